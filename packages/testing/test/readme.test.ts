// The README's marked code blocks, run as they are printed (see test/support/readme-blocks.ts): the quick
// start and each app recipe is a complete vitest file, collected here inside a describe of its own.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readmeBlocks } from './support/readme-blocks.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = readmeBlocks(readme);

it('marks the quick start and every app recipe as a test', () => {
  expect(blocks.map((block) => block.name)).toEqual(['express', 'koa', 'fastify', 'key-rotation']);
});

it('keeps jose out of the quick start: the app under test is a Latchkey app', () => {
  const quickStart = /## Quick start[^\n]*\n[\s\S]*?```ts\n([\s\S]*?)^```$/m.exec(readme)?.[1];
  expect(quickStart).toBe(blocks[0]?.code);
  expect(quickStart).not.toMatch(/\bjose\b/);
});

// Run, the blocks are only stripped of their types: compile them too, as a user's strict project would.
it('type-checks every marked block under the strict settings of this repository', async () => {
  const dir = fileURLToPath(new URL('../.cache/readme-blocks/', import.meta.url));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const block of blocks) writeFileSync(`${dir}${block.name}.ts`, block.code);
  writeFileSync(`${dir}tsconfig.json`, JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noEmit: true }, include: ['*.ts'] }));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', dir]).then(
    () => '',
    (error: { stdout: string }) => error.stdout,
  );
  expect(result).toBe('');
}, 120_000);

for (const block of blocks) {
  describe(`README block "${block.name}" (README.md line ${block.line})`, async () => {
    await import(/* @vite-ignore */ `@readme-block/${block.name}`);
  });
}
