/**
 * How the codec reads a dialect file (`.json`) or a jPOS packager file (`.xml`, also one a JSON dialect `extends`): a
 * regular file of at most {@link MAX_DIALECT_FILE_BYTES}, as UTF-8. A device (`/dev/zero`), a FIFO with no writer or a
 * huge file named by mistake is refused at once, never read for ever nor held whole in memory.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { codecError } from '../errors.js';

/** The largest dialect or packager file read: 1 MiB (a whole jPOS packager is about 30 KB). */
export const MAX_DIALECT_FILE_BYTES = 1024 * 1024;

/** Why a dialect file could not be read: the system's code (`ENOENT`, `EISDIR`, `EACCES`) or what the rule refused. */
export class DialectFileError extends Error {
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(`the file cannot be read: ${reason}`, options);
  }
}

/** The UTF-8 text of the dialect file at `path`; throws {@link DialectFileError} (its `reason`, never the file's bytes). */
export function readDialectFile(path: string): string {
  let fd: number;
  try {
    // Non-blocking: a FIFO with no writer opens at once (and is refused below) instead of waiting for one.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new DialectFileError(systemCode(err), { cause: err });
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw new DialectFileError('EISDIR');
    if (!stats.isFile()) throw new DialectFileError('not a regular file');
    if (stats.size > MAX_DIALECT_FILE_BYTES) throw new DialectFileError(`larger than ${MAX_DIALECT_FILE_BYTES} bytes`);
    const bytes = Buffer.alloc(stats.size);
    let at = 0;
    try {
      while (at < bytes.length) {
        const n = readSync(fd, bytes, at, bytes.length - at, at);
        if (n === 0) break;
        at += n;
      }
    } catch (err) {
      throw new DialectFileError(systemCode(err), { cause: err });
    }
    return bytes.toString('utf8', 0, at);
  } finally {
    closeSync(fd);
  }
}

/** A reader of dialect and packager files an application gives (`readFile`): its path's UTF-8 text, or its own throw. */
export type DialectFileReader = (path: string) => string;

/** Throws `ISO8583_ERR_OPTION` naming `readFile` unless `value` is undefined or a function. */
export function readFileOption(value: unknown): asserts value is DialectFileReader | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw codecError('ISO8583_ERR_OPTION', 'must be a function (path) => text', { field: 'readFile' });
  }
}

/** The system's error code of `err` (`ENOENT`), else `unknown error`. */
function systemCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : 'unknown error';
}
