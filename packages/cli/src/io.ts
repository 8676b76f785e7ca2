/**
 * Standard streams of the `iso8583` command: reading stdin whole or as it arrives, and the one format of an error
 * line, `iso8583: <code>: <message>`, with card data kept out.
 */
import { fstatSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { Iso8583Error, maskUntrustedText, safeErrorCode } from '@iso8583/codec/error-text';
import { systemReason } from '@iso8583/connector/errors';

/** The streams a command reads and writes; the process's own by default, a test's or an embedder's otherwise. */
export interface CommandIo {
  /** Where the message input comes from. Default `process.stdin`. */
  stdin: Readable;
  /** Where results go. Default `process.stdout`. */
  stdout: Writable;
  /** Where errors and progress go. Default `process.stderr`. */
  stderr: Writable;
}

/** The process's own streams. */
export function processIo(): CommandIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

/**
 * The most bytes a command reads from stdin as one input (a message in JSON or XML, a bare wire image, its hex text):
 * 16 MiB, far more than any message (the codec reads no XML document over 1 MiB, no frame over 64 KiB). Past it the
 * input is refused and stdin no longer read, rather than held whole in memory (a capture of gigabytes given by
 * mistake, a stream that never ends).
 */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** The error of an input over {@link MAX_INPUT_BYTES}: `ISO8583_ERR_CLI_INPUT`, with `hint` (what to do instead) after. */
export function inputTooLarge(what: string, hint = ''): Iso8583Error {
  return new Iso8583Error('ISO8583_ERR_CLI_INPUT', `${what} on stdin is over ${MAX_INPUT_BYTES} bytes, more than any message${hint}`);
}

/**
 * Reads the message input from stdin to its end (at most {@link MAX_INPUT_BYTES}); when stdin is a terminal (nothing
 * piped in), refuses at once with `ISO8583_ERR_CLI_USAGE` instead of waiting for typing.
 */
export async function readInput(io: CommandIo, what: string): Promise<Buffer> {
  return readAll(inputStream(io, what), what);
}

/**
 * Reads the message input from stdin to its end as UTF-8 text, like {@link readInput}; a leading byte order mark (what
 * Windows editors put before JSON and XML) is dropped, as XML parsers drop it, so JSON with one reads as JSON too.
 */
export async function readInputText(io: CommandIo, what: string): Promise<string> {
  return new TextDecoder('utf-8').decode(await readInput(io, what));
}

/**
 * Stdin for reading as it arrives; refuses a terminal like {@link readInput}, and a folder (`iso8583 decode < /tmp`:
 * Node reads one as an empty stream, which was then refused as empty input) with `ISO8583_ERR_CLI_INPUT` saying so.
 */
export function inputStream(io: CommandIo, what: string): Readable {
  if ((io.stdin as { isTTY?: boolean }).isTTY === true) {
    throw new Iso8583Error('ISO8583_ERR_CLI_USAGE', `${what} is read from stdin: pipe it in (see --help)`);
  }
  const fd = (io.stdin as { fd?: unknown }).fd;
  if (typeof fd === 'number' && isFolder(fd)) {
    throw new Iso8583Error('ISO8583_ERR_CLI_INPUT', `${what} is read from stdin, and stdin is a folder (EISDIR): give a file or a pipe`);
  }
  return io.stdin;
}

/** Whether the descriptor `fd` is a folder (false when it cannot be told: the read then says what it finds). */
function isFolder(fd: number): boolean {
  try {
    return fstatSync(fd).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Reads a stream to its end; over {@link MAX_INPUT_BYTES}, {@link inputTooLarge} naming `what`, the stream no longer
 * read (destroyed).
 */
export async function readAll(stream: Readable, what = 'the input'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > MAX_INPUT_BYTES) throw inputTooLarge(what);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}


/**
 * The stable code of an error: its `code` when it is a string shaped like a code (the codec's `safeErrorCode`: a code
 * set by user code, a flow's sequence module, may hold card data; such a code is `ERR_CODE_WITHHELD`), else
 * `ISO8583_ERR_CLI_UNEXPECTED`.
 */
export function errorCode(err: unknown): string {
  return safeErrorCode(err) ?? 'ISO8583_ERR_CLI_UNEXPECTED';
}

/**
 * Characters a terminal acts on or that reorder or break what it shows: control characters (C0, DEL, C1: an escape
 * sequence rewrites the screen), the line and paragraph separators (U+2028, U+2029) and the bidi controls (U+202A-202E,
 * U+2066-2069: text shown in another order than it is).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text for a terminal: each control character (C0 with newline and tab, DEL, C1), line or paragraph separator and
 * bidi control shown as `?`, so that text from elsewhere (a host's answer, a file name, a flag's value) forges no
 * line, runs no escape sequence and shows in the order it is written.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, '?');
}

/**
 * Text from elsewhere fit for a terminal or a log: masked as the codec masks text from elsewhere (`maskUntrustedText`,
 * as a sequence's fault is, process-faults.ts: card-shaped digit runs, a PAN shown as its first 6 and last 4 digits,
 * numbers written as the hex of their ASCII or EBCDIC bytes, `F4F7F6F1...`, track data after them, byte dumps in hex
 * or base64, track 1 names, spaced hex), then {@link printable}. The last guard for an error line, a sample's title.
 */
export function safeText(text: string): string {
  return printable(maskUntrustedText(text));
}

/** Whether `text` has a character {@link printable} would replace (a control character, separator, bidi control). */
export function hasUnprintable(text: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}

/**
 * The lines of an error's text: one, or, for an error listing its `problems` (`problemsError`: the text, `:`, then
 * `  <field>: <reason>` per problem), the text and one line per problem.
 */
function errorLines(err: unknown, message: string): string[] {
  const problems = (err as { problems?: unknown } | null | undefined)?.problems;
  if (Array.isArray(problems) && problems.length > 0) {
    const listed = problems.map((p: { field?: unknown; reason?: unknown }) => `  ${String(p?.field)}: ${String(p?.reason)}`);
    const suffix = ':\n' + listed.join('\n');
    if (message.endsWith(suffix)) return [`${message.slice(0, -suffix.length)}:`, ...listed];
  }
  return [message];
}

/**
 * The error line of the command: `iso8583: <code>: <message>`, each line made safe ({@link safeText}: card data
 * masked as the codec masks free text, control characters `?`; the text may carry a host's answer, a file name, a
 * flag's value): error texts of these packages never carry values by design; this is the last guard
 * before a line reaches a terminal or a log. An error listing its problems keeps one line per problem; an error given
 * a detail ({@link withDetail}) is followed by its `iso8583: detail: ...` line.
 */
export function formatError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const detail = err instanceof Object ? details.get(err) : undefined;
  const line = `iso8583: ${errorCode(err)}: ${errorLines(err, message).map(safeText).join('\n')}\n`;
  return detail === undefined ? line : `${line}iso8583: detail: ${safeText(detail)}\n`;
}

/** The detail of an error's line ({@link withDetail}), by the error. */
const details = new WeakMap<object, string>();

/**
 * `err`, its error line ({@link formatError}) followed by a second, `iso8583: detail: <detail>` (made safe as the
 * line is): what the operator's own terminal may show and the error's text may not (an error's text travels further:
 * the gateway's HTTP answers carry it). Returns `err`.
 */
export function withDetail<E extends object>(err: E, detail: string): E {
  details.set(err, detail);
  return err;
}

/** The failed writes of {@link writeText}: the stream each was written to (a closed stdout ends quietly, stderr not). */
const failedStreams = new WeakMap<Iso8583Error, Writable>();

/** The exit codes a command had decided on before its result's write failed ({@link writeResult}). */
const keptOutcomes = new WeakMap<Iso8583Error, number>();

/**
 * The error of a write to a command's output that failed: `ISO8583_ERR_CLI_OUTPUT` with the system's reason
 * (`ENOSPC (no space left on device)`), the failure as `cause`. For a reader that went away (`EPIPE`: `iso8583 decode
 * ... | head -1`), see {@link outputClosed}.
 */
function outputError(err: Error, stream: Writable): Iso8583Error {
  const failure = new Iso8583Error('ISO8583_ERR_CLI_OUTPUT', `the output cannot be written: ${systemReason(err)}`, { cause: err });
  failedStreams.set(failure, stream);
  return failure;
}

/**
 * Whether `err` is a failed {@link writeText} to `results` (default `process.stdout`) whose reader closed it (`EPIPE`:
 * `| head -1` has read what it wanted): the command stops there, and `main` ends it without an error line, with the
 * exit code the command had decided on ({@link outcomeKept}), 0 if none. `EPIPE` on stderr, or on a write that did not
 * go through {@link writeText}, is not this: it is a failure like any other.
 */
export function outputClosed(err: unknown, results: Writable = process.stdout): boolean {
  if (!(err instanceof Iso8583Error) || err.code !== 'ISO8583_ERR_CLI_OUTPUT') return false;
  if (failedStreams.get(err) !== results) return false;
  return (err.cause as { code?: unknown } | undefined)?.code === 'EPIPE';
}

/** The exit code a command had decided on before the write of its result failed with `err` ({@link writeResult}). */
export function outcomeKept(err: unknown): number | undefined {
  return err instanceof Iso8583Error ? keptOutcomes.get(err) : undefined;
}

/**
 * The error of a long-running command (a server) whose start line could not be written: the write's error, but never
 * a quiet end ({@link outputClosed} is false even for `EPIPE`): the command has closed what it opened and fails with
 * the error line and exit code 1.
 */
export function startNotAnnounced(err: unknown): unknown {
  if (!(err instanceof Iso8583Error)) return err;
  return new Iso8583Error('ISO8583_ERR_CLI_OUTPUT', `${err.message}; stopped, as its start line could not be written`, { cause: err.cause });
}

/**
 * Writes the start line of a long-running command (a server: `listening on ...`, `gateway listening ...`, `flow NAME
 * ready`). When it cannot be written, `close()` closes what the command opened (gracefully: nothing in flight is cut)
 * and the write's error is thrown as {@link startNotAnnounced}: the first error is the one reported, a close that fails
 * too does not replace it (the close's own parts log what went wrong with it).
 */
export async function writeStartLine(stream: Writable, text: string, close: () => Promise<unknown>): Promise<void> {
  try {
    await writeText(stream, text);
  } catch (err) {
    await Promise.resolve().then(close).catch(() => undefined);
    throw startNotAnnounced(err);
  }
}

/** The first failed {@link writeNotice} of each stream, for {@link writeEnd}. */
const noticeFailures = new WeakMap<Writable, Iso8583Error>();

/**
 * Writes a line a long-running command says while it works (`SIGTERM: stopping ...` as its drain begins, `SIGTERM
 * again: aborting`): it never throws nor rejects, so that a stdout whose reader went away (`iso8583 gateway ... | head
 * -1`) or a full disk never cuts a drain short nor loses a transaction in flight or a reversal. The first failure on
 * `stream` is kept: {@link writeEnd} reports it, as the command ends.
 */
export function writeNotice(stream: Writable, text: string): void {
  writeText(stream, text).catch((err: unknown) => {
    if (err instanceof Iso8583Error && !noticeFailures.has(stream)) noticeFailures.set(stream, err);
  });
}

/**
 * Writes the last line of a long-running command (`gateway stopped`), then resolves to `code`, the exit code its stop
 * decided on. A failure of this write, or of a {@link writeNotice} to `stream` before it (the first of them: after an
 * `EPIPE` every later write fails as `ERR_STREAM_DESTROYED`), rejects as {@link writeResult} does, `code` kept: a
 * reader that went away ends the command quietly with `code`, any other failure gives the error line.
 */
export async function writeEnd(stream: Writable, text: string, code: number): Promise<number> {
  let failure: unknown;
  try {
    await writeText(stream, text);
  } catch (err) {
    failure = err;
  }
  const first = noticeFailures.get(stream) ?? failure;
  noticeFailures.delete(stream);
  if (first === undefined) return code;
  if (first instanceof Iso8583Error) keptOutcomes.set(first, code);
  throw first;
}

/**
 * Writes a command's result, then resolves to `code`, the exit code the command decided on before writing. A failed
 * write rejects as {@link writeText} does, `code` kept with the error ({@link outcomeKept}): the command's own outcome
 * wins over the write's (`iso8583 load ... | true` with requests unanswered still exits 1, not 0).
 */
export async function writeResult(stream: Writable, text: string, code: number): Promise<number> {
  try {
    await writeText(stream, text);
  } catch (err) {
    if (err instanceof Iso8583Error) keptOutcomes.set(err, code);
    throw err;
  }
  return code;
}

/**
 * Writes text and waits until the stream has taken it (so that a command's exit does not cut its output). A write
 * that fails (a full disk, a reader that closed the pipe) rejects with `ISO8583_ERR_CLI_OUTPUT` ({@link outputError});
 * the stream's `error` event, which Node emits besides (after the write's callback), is then no uncaught exception
 * with a stack. That listener is this write's alone: it goes when the write succeeds or once it has taken its event,
 * so that a later failed write elsewhere is not silenced.
 */
export function writeText(stream: Writable, text: string): Promise<void> {
  const taken = (): void => {
    stream.removeListener('error', taken);
    stream.removeListener('close', taken);
  };
  stream.on('error', taken);
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => {
      if (err) {
        // The `error` event comes after this callback: the listener stays for it (or for the stream's close).
        stream.on('close', taken);
        reject(outputError(err, stream));
        return;
      }
      taken();
      resolve();
    });
  });
}
