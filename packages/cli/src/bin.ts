#!/usr/bin/env node
/** The `latchkey` executable: runs a command with the process's arguments and exits with its code. */
import { run } from './index.js';

process.exitCode = await run(process.argv.slice(2));
