/** Reading key files: a JWK, a JWKS or a PEM, as `staticKeys` accepts them. */
import { UsageError } from './output.js';
import { readSmallFile } from './read-file.js';

/** A key file's content: a JWK or JWK Set object, or PEM text. */
export async function readKeyFile(path: string): Promise<Record<string, unknown> | string> {
  let text: string;
  try {
    text = await readSmallFile(path, 'key file');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read key file ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (text.trimStart().startsWith('-----BEGIN')) return text;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through: reported below without echoing the file, which may hold a secret
  }
  throw new UsageError(`key file ${JSON.stringify(path)} is neither a JWK/JWKS (JSON object) nor PEM`);
}
