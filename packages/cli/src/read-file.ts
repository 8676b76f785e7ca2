/**
 * Reading a file a flag (or a config key) names: a file that cannot be read is `ISO8583_ERR_CLI_FILE` naming the flag,
 * the file and the system's reason in the connector's words (`EACCES (permission denied)`, as every store and path
 * error gives it), never a stack and never a byte of the file.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { errnoOf, systemReason } from '@iso8583/connector/errors';
import { cliError } from './args.js';

/** The UTF-8 byte order mark as `readFileSync(path, 'utf8')` keeps it: one U+FEFF at the start of the text. */
const BOM = '\uFEFF';

/**
 * `text` without a leading byte order mark (Windows editors write one at the start of a UTF-8 file; JSON.parse refuses
 * it, as "not JSON at 1:1"); the text as it is when it has none.
 */
export function withoutBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(BOM.length) : text;
}

/**
 * Reads `path` (UTF-8, a leading byte order mark dropped), named by `flag`; `ISO8583_ERR_CLI_FILE` naming both and the
 * system's reason when it cannot.
 */
export function readFlagFile(path: string, flag: string): string {
  try {
    return withoutBom(readFileSync(path, 'utf8'));
  } catch (err) {
    throw unreadable(path, flag, err);
  }
}

/** The error of a file `path`, named by `flag`, that cannot be read: `ISO8583_ERR_CLI_FILE` with the system's reason. */
function unreadable(path: string, flag: string, err: unknown): Error {
  return cliError('ISO8583_ERR_CLI_FILE', `${flag}: cannot read the file ${path}: ${systemReason(err)}`, flag);
}

/** What a file that is not a regular one is, in words (`a FIFO`), for its error. */
function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'of another kind';
}

/**
 * The first line of `path` (up to its first line end, which is left out; a leading UTF-8 byte order mark too), read
 * `limit` bytes at most. `undefined` when the first line runs past `limit` bytes. A file that cannot be read is
 * `ISO8583_ERR_CLI_FILE`, as {@link readFlagFile} says it; so is anything but a regular file (a FIFO, whose open or
 * read would wait for ever for a writer; a device such as `/dev/zero`), named by `flag` and its kind, and a folder (as
 * `EISDIR`): it is opened without waiting (`O_NONBLOCK`) and checked (`fstat`) before a byte is read.
 */
export function readFlagFileFirstLine(path: string, flag: string, limit: number): string | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading returns at once, with or without a writer (it changes nothing for a file).
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw unreadable(path, flag, err);
  }
  try {
    let stats: Stats;
    try {
      stats = fstatSync(fd);
    } catch (err) {
      throw unreadable(path, flag, err);
    }
    // A folder as every other file flag says it (EISDIR: its read would fail so).
    if (stats.isDirectory()) throw unreadable(path, flag, { code: 'EISDIR', errno: errnoOf('EISDIR') });
    if (!stats.isFile()) throw cliError('ISO8583_ERR_CLI_FILE', `${flag}: ${path} is ${kindOf(stats)}, not a regular file: give a file`, flag);
    const bytes = Buffer.alloc(limit + 1);
    let held = 0;
    for (;;) {
      const end = bytes.subarray(0, held).indexOf(0x0a);
      if (end >= 0 || held === bytes.length) {
        if (end < 0) return undefined;
        return withoutBom(bytes.subarray(0, end).toString('utf8'));
      }
      let read: number;
      try {
        read = readSync(fd, bytes, held, bytes.length - held, null);
      } catch (err) {
        throw unreadable(path, flag, err);
      }
      if (read === 0) {
        return withoutBom(bytes.subarray(0, held).toString('utf8'));
      }
      held += read;
    }
  } finally {
    closeSync(fd);
  }
}
