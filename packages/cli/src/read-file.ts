/**
 * Reading a file a flag (or a config key) names: a file that cannot be read is `ISO8583_ERR_CLI_FILE` naming the flag,
 * the file and the system's reason in the connector's words (`EACCES (permission denied)`, as every store and path
 * error gives it), never a stack and never a byte of the file. One home for the rules every flag file follows: a
 * regular file only (checked before a byte is read: a FIFO's read would wait for ever, `/dev/zero` never ends), of
 * {@link FLAG_FILE_LIMIT} bytes at most, and a value that is not a plausible file name (PEM text pasted in, a secret) is
 * never echoed.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { errnoOf, systemReason } from '@iso8583/connector/errors';
import { cliError } from './args.js';

/** The UTF-8 byte order mark as `readFileSync(path, 'utf8')` keeps it: one U+FEFF at the start of the text. */
const BOM = '\uFEFF';

/**
 * Bytes a flag file may hold: 1 MiB, for each use. A PEM file (`--tls-ca`, `--tls-cert`, `--tls-key` and the gateway's
 * TLS keys): a CA bundle of every public root is about 250 KB. A gateway `--config` file: a few KB with dozens of
 * upstreams. A demo `--transactions` file: thousands of sample transactions. A larger file is refused before it is
 * read, naming the flag.
 */
export const FLAG_FILE_LIMIT = 1024 * 1024;

/** The longest value named in an error as the file it names (a longer one is no file name anyone typed). */
const NAMED_PATH_LIMIT = 256;

/**
 * Flags (and config keys) whose file holds a secret (`--tls-key`, `--client-tls-key`, `tlsKey`, `/upstreams/N/tlsKey`,
 * `--http-token-file`): a value of theirs naming no file is not shown, as it may be the secret itself, pasted in.
 */
const SECRET_FLAG = /key|token/i;

/** System errors of a name that names nothing on disk: the value may not be a file name at all. */
const NOTHING_THERE = new Set(['ENOENT', 'ENAMETOOLONG', 'ENOTDIR']);

/**
 * `text` without a leading byte order mark (Windows editors write one at the start of a UTF-8 file; JSON.parse refuses
 * it, as "not JSON at 1:1"); the text as it is when it has none.
 */
export function withoutBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(BOM.length) : text;
}

/**
 * `path` as an error names it: the value itself when it is a plausible file name ({@link NAMED_PATH_LIMIT} characters
 * at most, no control character), else words that show none of it.
 */
function shown(path: string): string {
  // eslint-disable-next-line no-control-regex
  const plausible = path.length <= NAMED_PATH_LIMIT && !/[\x00-\x1f\x7f-\x9f]/.test(path);
  return plausible ? path : `given (not shown: over ${NAMED_PATH_LIMIT} characters or with control characters)`;
}

/**
 * A value that cannot be a file name, refused before it is opened and never echoed: PEM text (the gateway takes the
 * path of a PEM file where the connector's `tls` options take the text) or a line break.
 */
function notAFileName(path: string, flag: string): Error | undefined {
  if (path.includes('-----BEGIN')) return cliError('ISO8583_ERR_CLI_FILE', `${flag}: the value holds PEM text, not a file name (give the file's path)`, flag);
  if (/[\r\n]/.test(path)) return cliError('ISO8583_ERR_CLI_FILE', `${flag}: the value holds a line break, not a file name (give the file's path)`, flag);
  return undefined;
}

/** The error of a file `path`, named by `flag`, that cannot be read: `ISO8583_ERR_CLI_FILE` with the system's reason. */
function unreadable(path: string, flag: string, err: unknown): Error {
  const code = (err as { code?: unknown } | null)?.code;
  if (SECRET_FLAG.test(flag) && typeof code === 'string' && NOTHING_THERE.has(code)) {
    return cliError('ISO8583_ERR_CLI_FILE', `${flag}: no file at the path given (not shown: it may be the secret itself; give the file's path): ${systemReason(err)}`, flag);
  }
  return cliError('ISO8583_ERR_CLI_FILE', `${flag}: cannot read the file ${shown(path)}: ${systemReason(err)}`, flag);
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
 * Opens `path` for reading, a regular file only: opened without waiting (`O_NONBLOCK`: a FIFO's open returns at once,
 * with or without a writer; it changes nothing for a file) and checked (`fstat`) before a byte is read. Anything else
 * (a FIFO, a device such as `/dev/zero`) is `ISO8583_ERR_CLI_FILE` naming `flag` and its kind, a folder as `EISDIR`
 * (what its read would fail with); so is a value that is no file name. The caller closes the descriptor.
 */
function openRegularFile(path: string, flag: string): { fd: number; stats: Stats } {
  const refused = notAFileName(path, flag);
  if (refused !== undefined) throw refused;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw unreadable(path, flag, err);
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw unreadable(path, flag, { code: 'EISDIR', errno: errnoOf('EISDIR') });
    if (!stats.isFile()) throw cliError('ISO8583_ERR_CLI_FILE', `${flag}: ${shown(path)} is ${kindOf(stats)}, not a regular file: give a file`, flag);
    return { fd, stats };
  } catch (err) {
    closeSync(fd);
    throw (err as { code?: unknown }).code === 'ISO8583_ERR_CLI_FILE' ? err : unreadable(path, flag, err);
  }
}

/** The error of a file over `limit` bytes. */
function tooLarge(path: string, flag: string, limit: number): Error {
  return cliError('ISO8583_ERR_CLI_FILE', `${flag}: ${shown(path)} is larger than ${limit} bytes, more than this file can hold: give the right file`, flag);
}

/**
 * Reads `path` (UTF-8, a leading byte order mark dropped), named by `flag`: a regular file of `limit` bytes at most
 * (default {@link FLAG_FILE_LIMIT}), never read past it (a file that grows while it is read too). `ISO8583_ERR_CLI_FILE`
 * naming `flag` and the system's reason when it cannot be read, when it is not a regular file or when it is too large;
 * the file is named only when its name is plausible (see the module).
 */
export function readFlagFile(path: string, flag: string, limit: number = FLAG_FILE_LIMIT): string {
  const { fd, stats } = openRegularFile(path, flag);
  try {
    if (stats.size > limit) throw tooLarge(path, flag, limit);
    // One byte more than the limit tells a file that grew past it; a file whose size says 0 (`/proc`) grows the buffer.
    let bytes = Buffer.alloc(Math.min(Math.max(stats.size, 4096), limit) + 1);
    let held = 0;
    for (;;) {
      if (held === bytes.length) {
        if (held > limit) throw tooLarge(path, flag, limit);
        const grown = Buffer.alloc(Math.min(bytes.length * 2, limit + 1));
        bytes.copy(grown);
        bytes = grown;
      }
      let read: number;
      try {
        read = readSync(fd, bytes, held, bytes.length - held, null);
      } catch (err) {
        throw unreadable(path, flag, err);
      }
      if (read === 0) break;
      held += read;
    }
    return withoutBom(bytes.subarray(0, held).toString('utf8'));
  } finally {
    closeSync(fd);
  }
}

/**
 * The first line of `path` (up to its first line end, which is left out; a leading UTF-8 byte order mark too), read
 * `limit` bytes at most. `undefined` when the first line runs past `limit` bytes. A file that cannot be read, or that
 * is not a regular file, is `ISO8583_ERR_CLI_FILE`, as {@link readFlagFile} says it.
 */
export function readFlagFileFirstLine(path: string, flag: string, limit: number): string | undefined {
  const { fd } = openRegularFile(path, flag);
  try {
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
