/**
 * Reading a file a flag (or a config key) names: a file that cannot be read is `ISO8583_ERR_CLI_FILE` naming the flag,
 * the file and the system's reason in the connector's words (`EACCES (permission denied)`, as every store and path
 * error gives it), never a stack and never a byte of the file. One home for the rules every flag file follows: a
 * regular file, or a pipe this process already holds (`/dev/stdin`, `/dev/fd/N`, `/proc/self/fd/N`: a shell's
 * `<(...)`, a pipe into stdin), read to its end; anything else refused before a byte is read (a named FIFO elsewhere
 * would wait for ever for a writer, `/dev/zero` never ends); of {@link FLAG_FILE_LIMIT} bytes at most, and a value that is not a plausible file name (PEM text pasted in, a secret) is
 * never echoed.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { errnoOf, systemReason } from '@iso8583/connector/errors';
import { withoutBom } from '@iso8583/codec';
import { cliError } from './args.js';

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

/**
 * A path that names a descriptor this process already holds: `/dev/stdin`, `/dev/fd/N`, `/proc/self/fd/N` (what a
 * shell's process substitution `<(...)` and a pipe into `--config /dev/stdin` give). A pipe named so has its writer
 * already (the shell's command): it is read to its end, waiting for it, where a named FIFO elsewhere may have none.
 */
export const OWN_DESCRIPTOR = /^(?:\/dev\/stdin|\/dev\/fd\/\d+|\/proc\/self\/fd\/\d+)$/;

/** The longest pause, in milliseconds, between reads of a pipe of this process that has no bytes yet (`EAGAIN`). */
const PIPE_POLL_MAX = 50;

/** System errors of a name that names nothing on disk: the value may not be a file name at all. */
const NOTHING_THERE = new Set(['ENOENT', 'ENAMETOOLONG', 'ENOTDIR']);

/** A file error that a caller words its own way: `reason` is the error's text without the flag (a system error's: the system's reason alone). */
export type FileError = Error & { readonly reason: string };

/**
 * `ISO8583_ERR_CLI_FILE` naming `flag` (`FLAG: text`), with the bare `reason` (default `text`) as its `reason`
 * property, for a caller that names the file its own way (`run`'s `ISO8583_ERR_FLOW_FILE`): never cut out of the text.
 */
function fileError(flag: string, text: string, reason: string = text): FileError {
  return Object.assign(cliError('ISO8583_ERR_CLI_FILE', `${flag}: ${text}`, flag), { reason });
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
  if (path.includes('-----BEGIN')) return fileError(flag, `the value holds PEM text, not a file name (give the file's path)`);
  if (/[\r\n]/.test(path)) return fileError(flag, `the value holds a line break, not a file name (give the file's path)`);
  return undefined;
}

/** The error of a file `path`, named by `flag`, that cannot be read: `ISO8583_ERR_CLI_FILE` with the system's reason. */
function unreadable(path: string, flag: string, err: unknown): Error {
  const code = (err as { code?: unknown } | null)?.code;
  if (SECRET_FLAG.test(flag) && typeof code === 'string' && NOTHING_THERE.has(code)) {
    return fileError(flag, `no file at the path given (not shown: it may be the secret itself; give the file's path): ${systemReason(err)}`);
  }
  return fileError(flag, `cannot read the file ${shown(path)}: ${systemReason(err)}`, systemReason(err));
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
 * Opens `path` for reading, a regular file, or a pipe this process already holds ({@link OWN_DESCRIPTOR}): opened
 * without waiting (`O_NONBLOCK`: a FIFO's open returns at once, with or without a writer; it changes nothing for a
 * file) and checked (`fstat`) before a byte is read. Anything else (a named FIFO elsewhere, a device such as
 * `/dev/zero`, a terminal) is `ISO8583_ERR_CLI_FILE` naming `flag` and its kind, a folder as `EISDIR` (what its read
 * would fail with); so is a value that is no file name. The caller closes the descriptor.
 */
function openRegularFile(path: string, flag: string): { fd: number; stats: Stats; ownPipe: boolean } {
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
    const ownPipe = stats.isFIFO() && OWN_DESCRIPTOR.test(path);
    if (!stats.isFile() && !ownPipe) {
      // A dialect file is named by its suffix (.json, .xml), which a pipe's /dev/fd/N path has not: no pipe hint there.
      const own = !stats.isFIFO()
        ? ''
        : flag === '--dialect'
          ? ' (a dialect is a regular file whose name ends in .json or .xml, never a pipe)'
          : ' (a pipe is read from /dev/stdin, /dev/fd/N or /proc/self/fd/N, as a shell\'s <(...) gives it)';
      throw fileError(flag, `${shown(path)} is ${kindOf(stats)}, not a regular file: give a file${own}`);
    }
    return { fd, stats, ownPipe };
  } catch (err) {
    closeSync(fd);
    throw (err as { code?: unknown }).code === 'ISO8583_ERR_CLI_FILE' ? err : unreadable(path, flag, err);
  }
}

/**
 * The text of each pipe of this process read so far, by its path: a pipe gives its bytes once, and a file may be read
 * more than once while a command starts (the gateway reads `--tls-ca` and `--tls-key` for each upstream, and its
 * checks before), so the second read is the first's text. Held until the command has started
 * ({@link releaseFlagPipes}): a key or token read through a pipe is not kept for the process's life.
 */
const pipeTexts = new Map<string, string>();

/** The pipes whose text {@link releaseFlagPipes} let go: read again, they are refused (they give nothing more). */
const released = new Set<string>();

/**
 * Lets go of the text of every pipe read so far (see {@link pipeTexts}): what a command calls once it has started,
 * every flag file read (the gateway, once its parts are made). A later read of one of those pipes is
 * `ISO8583_ERR_CLI_FILE` naming the flag (a pipe gives its bytes once): never its old text, never an empty one.
 */
export function releaseFlagPipes(): void {
  for (const path of pipeTexts.keys()) released.add(path);
  pipeTexts.clear();
}

/** Blocks this thread `ms` milliseconds (a pipe of this process with no bytes yet: its writer has not written them). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Milliseconds a pipe's writer may neither write nor close it before the read gives up: 30 s. */
const PIPE_IDLE_LIMIT = 30_000;

/**
 * `readSync` of `fd` into `bytes` from `at`, waiting for bytes where a pipe opened without waiting has none yet
 * (`EAGAIN`: its writer still holds it; it ends with 0 once the writer has closed it), polling at most every
 * {@link PIPE_POLL_MAX} ms. A regular file never waits. A read that fails otherwise is `ISO8583_ERR_CLI_FILE`.
 */
function readSome(fd: number, bytes: Buffer, at: number, path: string, flag: string): number {
  let wait = 1;
  const until = Date.now() + PIPE_IDLE_LIMIT;
  for (;;) {
    try {
      return readSync(fd, bytes, at, bytes.length - at, null);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EAGAIN') throw unreadable(path, flag, err);
    }
    if (Date.now() > until) {
      throw fileError(flag, `${shown(path)}: the pipe's writer neither wrote nor closed it for ${PIPE_IDLE_LIMIT / 1000} s`);
    }
    pause(wait);
    wait = Math.min(wait * 2, PIPE_POLL_MAX);
  }
}

/** The error of a file over `limit` bytes. */
function tooLarge(path: string, flag: string, limit: number): Error {
  return fileError(flag, `${shown(path)} is larger than ${limit} bytes, more than this file can hold: give the right file`);
}

/**
 * Reads `path` (UTF-8, a leading byte order mark dropped), named by `flag`: a regular file, or a pipe this process
 * already holds read to its end ({@link OWN_DESCRIPTOR}), of `limit` bytes at most
 * (default {@link FLAG_FILE_LIMIT}), never read past it (a file that grows while it is read too). `ISO8583_ERR_CLI_FILE`
 * naming `flag` and the system's reason when it cannot be read, when it is not a regular file or when it is too large;
 * the file is named only when its name is plausible (see the module).
 */
export function readFlagFile(path: string, flag: string, limit: number = FLAG_FILE_LIMIT): string {
  if (released.has(path)) {
    throw fileError(flag, `${shown(path)} is a pipe this process read at its start and no longer holds: give a regular file`);
  }
  const kept = pipeTexts.get(path);
  if (kept !== undefined) {
    if (Buffer.byteLength(kept) > limit) throw tooLarge(path, flag, limit);
    return kept;
  }
  const { fd, stats, ownPipe } = openRegularFile(path, flag);
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
      const read = readSome(fd, bytes, held, path, flag);
      if (read === 0) break;
      held += read;
    }
    const text = withoutBom(bytes.subarray(0, held).toString('utf8'));
    if (ownPipe) pipeTexts.set(path, text);
    return text;
  } finally {
    closeSync(fd);
  }
}

/**
 * The first line of `path` (up to its first line end, which is left out; a leading UTF-8 byte order mark too), read
 * `limit` bytes at most. `undefined` when the first line runs past `limit` bytes. A file that cannot be read, or that
 * is neither a regular file nor a pipe of this process, is `ISO8583_ERR_CLI_FILE`, as {@link readFlagFile} says it. A
 * pipe of this process ({@link OWN_DESCRIPTOR}) is read whole, as {@link readFlagFile} reads it (once a process).
 */
export function readFlagFileFirstLine(path: string, flag: string, limit: number): string | undefined {
  if (OWN_DESCRIPTOR.test(path)) {
    const text = readFlagFile(path, flag);
    const end = text.indexOf('\n');
    const line = end < 0 ? text : text.slice(0, end);
    return Buffer.byteLength(line) > limit ? undefined : line;
  }
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
      const read = readSome(fd, bytes, held, path, flag);
      if (read === 0) {
        return withoutBom(bytes.subarray(0, held).toString('utf8'));
      }
      held += read;
    }
  } finally {
    closeSync(fd);
  }
}
