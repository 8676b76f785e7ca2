import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file that holds `tsconfig.base.json`. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'tsconfig.base.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

/** The path of a file under `../shared/vectors/` (read in place, never copied into the repository). */
export function vectorPath(relative: string): string {
  return resolve(repoRoot(), '..', 'shared', 'vectors', relative);
}

/** The bytes of a vector file. */
export function readVector(relative: string): Buffer {
  return readFileSync(vectorPath(relative));
}

/** The bytes of a `.hex` vector file (hex text, whitespace ignored). */
export function readVectorHex(relative: string): Buffer {
  return Buffer.from(readFileSync(vectorPath(relative), 'utf8').replace(/\s+/g, ''), 'hex');
}
