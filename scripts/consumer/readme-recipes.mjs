// The @latchkey/testing README's recipes, as a user meets them: taken from the README inside the installed
// tarball, written as the user's own test files, compiled by a strict tsconfig of the user's and run by
// the user's vitest, against the installed packages (their dist, their .d.ts), not the monorepo's sources.
// The marker format (`<!-- test: <name> -->` before a ```ts fence) is defined by
// packages/testing/test/support/readme-blocks.ts, which runs the same blocks inside the monorepo.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a user's project would install next to the packages to run the recipes, at the workspace's versions. */
export function recipeDevDependencies(root) {
  const rootDev = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies;
  const testingDev = JSON.parse(readFileSync(join(root, 'packages', 'testing', 'package.json'), 'utf8')).devDependencies;
  const pick = (from, name) => `${name}@${from[name]}`;
  return [
    pick(rootDev, 'vitest'),
    pick(rootDev, 'typescript'),
    pick(rootDev, '@types/node'),
    pick(testingDev, '@types/express'),
    pick(testingDev, '@types/koa'),
  ];
}

/** Writes each marked block of the installed README to `<consumer>/recipes/<name>.test.ts`; returns the names. */
export function writeRecipes(consumer) {
  const readme = readFileSync(join(consumer, 'node_modules', '@latchkey', 'testing', 'README.md'), 'utf8');
  const dir = join(consumer, 'recipes');
  mkdirSync(dir, { recursive: true });
  const names = [];
  for (const [, name, code] of readme.matchAll(/^<!-- test: ([\w-]+) -->\n```ts\n([\s\S]*?)^```$/gm)) {
    writeFileSync(join(dir, `${name}.test.ts`), code);
    names.push(name);
  }
  if (names.length === 0) throw new Error('the packed @latchkey/testing README has no marked recipes');
  // A user's strict project: no paths, no aliases; the packages resolve through node_modules.
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
      include: ['*.ts'],
    }),
  );
  return names;
}
