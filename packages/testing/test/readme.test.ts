import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');

it('prints the quick start exactly as test/readme-example.test.ts runs it', () => {
  const readme = read('../README.md');
  const quickStart = /## Quick start[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  const example = read('./readme-example.test.ts').split('\n').slice(1).join('\n'); // minus the "keep in step" line
  expect(quickStart).toBe(example);
});
