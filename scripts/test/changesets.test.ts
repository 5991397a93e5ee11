import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publicPackages } from '../package-rules.mjs';

const root = new URL('../../', import.meta.url).pathname;
const dir = join(root, '.changeset');
const published = new Set(publicPackages(root).map((p) => p.manifest.name as string));

/** The packages and bumps a changeset's front matter names, and its text. */
function parse(text: string): { bumps: [string, string][]; body: string } | undefined {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (match === null) return undefined;
  const bumps = match[1]!
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const entry = /^(['"]?)([^'"]+)\1: (patch|minor|major)$/.exec(line);
      return entry === null ? ([line, 'unreadable'] as [string, string]) : ([entry[2]!, entry[3]!] as [string, string]);
    });
  return { bumps, body: match[2]!.trim() };
}

describe('.changeset', () => {
  // `changeset version` refuses the whole release when one changeset names a private package beside public
  // ones ("mixed changesets"), so every changeset is checked here, not at release time.
  it('names, in every changeset, only published packages with a patch, minor or major bump, and says what changed', () => {
    const files = readdirSync(dir).filter((name) => name.endsWith('.md') && name !== 'README.md');
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) {
      const parsed = parse(readFileSync(join(dir, name), 'utf8'));
      expect(parsed, name).toBeDefined();
      expect(parsed!.bumps.length, name).toBeGreaterThan(0);
      for (const [pkg, bump] of parsed!.bumps) {
        expect(bump, `${name}: ${pkg}`).not.toBe('unreadable');
        expect(published.has(pkg), `${name} names ${pkg}, which is not a published package`).toBe(true);
      }
      expect(parsed!.body.length, name).toBeGreaterThan(20);
    }
  });
});
