/** Reading the small text files the commands take (keys, key rings, configurations), bounded. */
import { open } from 'node:fs/promises';
import { UsageError } from './output.js';

/** Largest file read: 1 MiB, as for stdin. Key files, rings and configurations are a few KiB. */
export const MAX_FILE_BYTES = 1024 * 1024;

/**
 * The UTF-8 text of the regular file at `path`, at most {@link MAX_FILE_BYTES}: `/dev/zero`, a FIFO or a
 * huge file is refused at once rather than read into memory. `ENOENT` is rethrown as it is (a missing ring
 * file means a new ring); other failures are a {@link UsageError} naming the file, never its content.
 */
export async function readSmallFile(path: string, what: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    throw new UsageError(`cannot read ${what} ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new UsageError(`${what} ${JSON.stringify(path)} is not a regular file`);
    if (stats.size > MAX_FILE_BYTES) throw new UsageError(`${what} ${JSON.stringify(path)} is larger than 1 MiB`);
    // Read one byte past the limit: a file that grew since stat() is refused too.
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_FILE_BYTES) throw new UsageError(`${what} ${JSON.stringify(path)} is larger than 1 MiB`);
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${what} ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  } finally {
    await handle.close();
  }
}
