/**
 * README code blocks as test files. A block is marked by an HTML comment on the line before its fence
 * (invisible on GitHub and on the registry page):
 *
 *     <!-- test: express -->
 *     ```ts
 *     ...a complete vitest file...
 *     ```
 *
 * `readmeBlocksPlugin()` serves each marked block as the module `@readme-block/<name>`, so the README text
 * itself is what runs (no copy to keep in step). The module's id is `README.md.<name>.ts` beside the README,
 * so its imports resolve as a test file in the package would, and its line numbers are the README's.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vitest/config';

/** One marked block: its name, its code, and the README line its code starts on (1-based). */
export interface ReadmeBlock {
  readonly name: string;
  readonly code: string;
  readonly line: number;
}

const MARKED_BLOCK = /^<!-- test: ([\w-]+) -->\n```ts\n([\s\S]*?)^```$/gm;
const PREFIX = '@readme-block/';

/** Every marked block of a README, in order. Names are unique. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  for (const match of markdown.matchAll(MARKED_BLOCK)) {
    const [, name = '', code = ''] = match;
    if (blocks.some((block) => block.name === name)) throw new Error(`README: two blocks are marked "test: ${name}"`);
    const line = markdown.slice(0, match.index).split('\n').length + 2; // the marker, then the fence
    blocks.push({ name, code, line });
  }
  return blocks;
}

/** The vite plugin: `import('@readme-block/<name>')` runs that block of `readmePath` as a module. */
export function readmeBlocksPlugin(readmePath: string): Plugin {
  const idOf = (name: string): string => join(dirname(readmePath), `README.md.${name}.ts`);
  return {
    name: 'latchkey:readme-blocks',
    enforce: 'pre',
    resolveId(source) {
      if (source.startsWith(PREFIX)) return idOf(source.slice(PREFIX.length));
      // The runner asks again with the id made relative to the project root: keep it ours.
      const name = /(?:^|\/)README\.md\.([\w-]+)\.ts$/.exec(source)?.[1];
      return name === undefined ? undefined : idOf(name);
    },
    load(id) {
      const block = readmeBlocks(readFileSync(readmePath, 'utf8')).find((candidate) => idOf(candidate.name) === id);
      // Padded so that a failure's stack trace points at the README's own line.
      return block === undefined ? undefined : '\n'.repeat(block.line - 1) + block.code;
    },
  };
}
