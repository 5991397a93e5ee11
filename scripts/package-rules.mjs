// What every public package must carry, as pure functions over a manifest and a tarball's files, so that
// scripts/check-packages.mjs applies them to the real packages and scripts/test/ pins each rule.
//
// The metadata rule, for every public package, present and future (a new package copies it from core):
//  - "license": "MIT", and a LICENSE file in the package directory identical to the root LICENSE. A file
//    per package rather than a copy made at pack time: `npm publish`, `pnpm publish` and changesets then
//    all ship it, with no lifecycle script to forget; the check keeps the copies identical.
//  - "repository": { "type": "git", "url": REPOSITORY_URL, "directory": "packages/<dir>" }, "homepage":
//    the package's directory on GitHub (#readme), "bugs": the issue tracker; a non-empty "keywords".
//  - "engines": { "node": ENGINES_NODE }: the versions where both `import` and `require()` (require(esm),
//    unflagged in Node 20.19.0 and 22.12.0) load the package. Node 22.0-22.11 can import it but not
//    require it, so a plain ">=20.19" would not tell the truth.
//  - "files" lists "dist", "README.md" and "LICENSE".
// And in every tarball: the LICENSE; a README whose links are absolute (relative ones break on the registry
// page, which has no repository around it); JS source maps whose sources are inlined ("sourcesContent",
// tsconfig.base.json's inlineSources), because src/ is not published; no declaration maps (they could only
// point to ../src).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';

export const REPOSITORY = 'https://github.com/latchkey-js/latchkey';
export const REPOSITORY_URL = `git+${REPOSITORY}.git`;
export const ENGINES_NODE = '^20.19.0 || >=22.12.0';

/**
 * The public packages of the repository at `root`: every directory under packages/ with a package.json
 * that is not "private". Nothing lists them, so a new package is checked from its first commit.
 * @param {string} root @returns {{ dir: string, manifest: Record<string, any> }[]}
 */
export function publicPackages(root) {
  return readdirSync(join(root, 'packages'))
    .filter((dir) => existsSync(join(root, 'packages', dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest.private !== true);
}

/** Collects the messages of the checks that fail. */
function collector() {
  const problems = [];
  return { problems, expect: (ok, message) => ok || problems.push(message) };
}

/**
 * Problems of `packages/<dir>/package.json` against the metadata rule.
 * @param {string} dir @param {Record<string, any>} manifest
 * @param {{ license: string, packageLicense: string | undefined }} licenses the root LICENSE and the package's (undefined: none)
 */
export function manifestProblems(dir, manifest, { license, packageLicense }) {
  const { problems, expect } = collector();
  const directory = `packages/${dir}`;
  expect(manifest.license === 'MIT', `"license" must be "MIT"`);
  expect(packageLicense === license, `${directory}/LICENSE must be a copy of the root LICENSE`);
  const { repository = {}, bugs = {} } = manifest;
  expect(
    repository.type === 'git' && repository.url === REPOSITORY_URL && repository.directory === directory,
    `"repository" must be { "type": "git", "url": "${REPOSITORY_URL}", "directory": "${directory}" }`,
  );
  expect(manifest.homepage === `${REPOSITORY}/tree/main/${directory}#readme`, `"homepage" must be "${REPOSITORY}/tree/main/${directory}#readme"`);
  expect(bugs.url === `${REPOSITORY}/issues`, `"bugs" must be { "url": "${REPOSITORY}/issues" }`);
  expect(
    Array.isArray(manifest.keywords) && manifest.keywords.length > 0 && manifest.keywords.every((k) => typeof k === 'string' && k !== ''),
    `"keywords" must be a non-empty list of words`,
  );
  expect(manifest.engines?.node === ENGINES_NODE, `"engines" must be { "node": "${ENGINES_NODE}" } (see scripts/package-rules.mjs)`);
  for (const file of ['dist', 'README.md', 'LICENSE']) expect(manifest.files?.includes(file), `"files" must list "${file}"`);
  return problems;
}

/** Link targets in Markdown (inline links, images, reference definitions) and HTML attributes; code blocks skipped. */
export function linkTargets(markdown) {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return [
    ...prose.matchAll(/\]\(\s*<?([^)\s>]+)/g),
    ...prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm),
    ...prose.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/gi),
  ].map((match) => match[1]);
}

/**
 * Problems of a packed package, given its file list (paths relative to the package root, `/`-separated)
 * and a reader for a file's text.
 * @param {string[]} files @param {(file: string) => string} read @param {string} license the root LICENSE
 */
export function tarballProblems(files, read, license) {
  const { problems, expect } = collector();
  expect(files.includes('LICENSE') && read('LICENSE') === license, 'LICENSE missing or not the root LICENSE');
  expect(files.includes('README.md'), 'README.md missing');
  if (files.includes('README.md')) {
    for (const target of linkTargets(read('README.md'))) {
      expect(/^(https:\/\/|mailto:|#)/.test(target), `README.md links to "${target}": use an absolute https:// URL (${REPOSITORY}/...)`);
    }
  }
  for (const file of files.filter((f) => f.endsWith('.js.map'))) {
    const map = JSON.parse(read(file));
    const complete =
      Array.isArray(map.sourcesContent) &&
      map.sourcesContent.length === map.sources.length &&
      map.sourcesContent.every((content) => typeof content === 'string' && content.length > 0);
    expect(complete, `${file} points to ${map.sources.join(', ')} without "sourcesContent" (inlineSources)`);
  }
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(read(file))?.[1];
    if (url !== undefined) expect(files.includes(posix.join(posix.dirname(file), url)), `${file} names a source map that is not in the tarball: ${url}`);
  }
  for (const file of files.filter((f) => f.endsWith('.d.ts.map'))) problems.push(`${file}: declaration maps point to ../src, which is not published`);
  for (const file of files.filter((f) => f.endsWith('.d.ts'))) expect(!read(file).includes('sourceMappingURL'), `${file} names a declaration map`);
  expect(
    files.some((f) => f.endsWith('.js.map')),
    'no source maps at all: did the build config change?',
  );
  return problems;
}
