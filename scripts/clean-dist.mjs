#!/usr/bin/env node
// Empties every packages/*/dist before a build: tsc never deletes what it no longer emits (a removed
// module, the declaration maps the build stopped making), and `pnpm pack` ships whatever dist holds.
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = join(dirname(dirname(fileURLToPath(import.meta.url))), 'packages');
for (const dir of readdirSync(packages)) rmSync(join(packages, dir, 'dist'), { recursive: true, force: true });
