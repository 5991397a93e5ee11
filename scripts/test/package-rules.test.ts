import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINES_NODE, linkTargets, manifestProblems, publicPackages, tarballProblems } from '../package-rules.mjs';

const root = new URL('../../', import.meta.url).pathname;
const license = readFileSync(join(root, 'LICENSE'), 'utf8');
const core = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8'));

describe('the root LICENSE', () => {
  it('is MIT, for the Latchkey contributors', () => {
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 The Latchkey contributors\n/);
  });
});

describe('publicPackages', () => {
  it('finds every package directory that is not private, with nothing to register', () => {
    const repo = mkdtempSync(join(tmpdir(), 'latchkey-rules-'));
    try {
      for (const [dir, manifest] of [
        ['issuer', { name: '@latchkey/issuer' }],
        ['bench', { name: 'b', private: true }],
      ] as const) {
        mkdirSync(join(repo, 'packages', dir), { recursive: true });
        writeFileSync(join(repo, 'packages', dir, 'package.json'), JSON.stringify(manifest));
      }
      mkdirSync(join(repo, 'packages', 'notes'));
      expect(publicPackages(repo).map((p) => p.dir)).toEqual(['issuer']);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe('manifestProblems', () => {
  it('passes every public package of this repository', () => {
    for (const { dir, manifest } of publicPackages(root)) {
      const packageLicense = readFileSync(join(root, 'packages', dir, 'LICENSE'), 'utf8');
      expect(manifestProblems(dir, manifest, { license, packageLicense }), dir).toEqual([]);
    }
  });

  it('names each missing or wrong field', () => {
    const { repository: _r, homepage: _h, bugs: _b, keywords: _k, ...rest } = core;
    const problems = manifestProblems(
      'core',
      { ...rest, license: 'ISC', engines: { node: '>=20.11' }, files: ['dist'] },
      { license, packageLicense: undefined },
    );
    expect(problems).toEqual([
      '"license" must be "MIT"',
      'packages/core/LICENSE must be a copy of the root LICENSE',
      expect.stringContaining('"repository" must be { "type": "git"'),
      expect.stringContaining('"homepage" must be'),
      expect.stringContaining('"bugs" must be'),
      '"keywords" must be a non-empty list of words',
      expect.stringContaining(`"engines" must be { "node": "${ENGINES_NODE}" }`),
      '"files" must list "README.md"',
      '"files" must list "LICENSE"',
    ]);
  });

  it('wants the repository directory of the package itself, and a LICENSE identical to the root one', () => {
    const problems = manifestProblems('issuer', core, { license, packageLicense: license.replace('2026', '2025') });
    expect(problems).toEqual([
      'packages/issuer/LICENSE must be a copy of the root LICENSE',
      expect.stringContaining('"directory": "packages/issuer"'),
      expect.stringContaining('"homepage" must be "https://github.com/latchkey-js/latchkey/tree/main/packages/issuer#readme"'),
    ]);
  });

  it('states engines that hold for require(esm): Node 20.19+ on 20.x, 22.12+ after', () => {
    expect(ENGINES_NODE).toBe('^20.19.0 || >=22.12.0');
  });
});

describe('linkTargets', () => {
  it('finds inline links, images, reference definitions and HTML attributes, not code', () => {
    const markdown = 'See [core](../core), ![logo](logo.png) and [x][ref].\n\n[ref]: ./docs/x.md\n<a href="docs/y">y</a>\n\n```ts\nconst a = b[0](1);\n```\n';
    expect(linkTargets(markdown)).toEqual(['../core', 'logo.png', './docs/x.md', 'docs/y']);
  });
});

describe('tarballProblems', () => {
  const map = (content: string | null) =>
    JSON.stringify({ version: 3, sources: ['../src/index.ts'], sourcesContent: content === null ? undefined : [content], mappings: '' });
  const good: Record<string, string> = {
    LICENSE: license,
    'README.md': '# x\n\n[core](https://github.com/latchkey-js/latchkey/tree/main/packages/core#readme), [below](#errors)\n',
    'dist/index.js': 'export {};\n//# sourceMappingURL=index.js.map',
    'dist/index.js.map': map('export {};'),
    'dist/index.d.ts': 'export {};\n',
    'package.json': '{}',
  };
  const problems = (files: Record<string, string>) => tarballProblems(Object.keys(files), (file: string) => files[file]!, license);

  it('passes a tarball with the LICENSE, absolute links and self-contained source maps', () => {
    expect(problems(good)).toEqual([]);
  });

  it('refuses a tarball without the LICENSE', () => {
    const { LICENSE: _license, ...rest } = good;
    expect(problems(rest)).toEqual(['LICENSE missing or not the root LICENSE']);
  });

  it('refuses relative README links, which break on the registry page', () => {
    expect(problems({ ...good, 'README.md': '[core](../core) [bench](../../bench/RESULTS.md)' })).toEqual([
      expect.stringContaining('README.md links to "../core"'),
      expect.stringContaining('README.md links to "../../bench/RESULTS.md"'),
    ]);
  });

  it('refuses source maps without their sources, declaration maps, and a map the tarball lacks', () => {
    expect(problems({ ...good, 'dist/index.js.map': map(null) })).toEqual([expect.stringContaining('without "sourcesContent"')]);
    expect(problems({ ...good, 'dist/index.d.ts.map': '{}', 'dist/index.d.ts': 'export {};\n//# sourceMappingURL=index.d.ts.map' })).toEqual([
      'dist/index.d.ts.map: declaration maps point to ../src, which is not published',
      'dist/index.d.ts names a declaration map',
    ]);
    expect(problems({ ...good, 'dist/other.js': 'export {};\n//# sourceMappingURL=other.js.map' })).toEqual([
      'dist/other.js names a source map that is not in the tarball: other.js.map',
    ]);
  });
});
