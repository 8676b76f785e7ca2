/**
 * Standard streams of the `iso8583` command: reading stdin whole or as it arrives, and the one format of an error
 * line, `iso8583: <code>: <message>`, with card data kept out.
 */
import type { Readable, Writable } from 'node:stream';
import { Iso8583Error, maskDigitRuns } from '@iso8583/codec';

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
 * Reads the message input from stdin to its end; when stdin is a terminal (nothing piped in), refuses at once with
 * `ISO8583_ERR_CLI_USAGE` instead of waiting for typing.
 */
export async function readInput(io: CommandIo, what: string): Promise<Buffer> {
  return readAll(inputStream(io, what));
}

/** Stdin for reading as it arrives; refuses a terminal like {@link readInput}. */
export function inputStream(io: CommandIo, what: string): Readable {
  if ((io.stdin as { isTTY?: boolean }).isTTY === true) {
    throw new Iso8583Error('ISO8583_ERR_CLI_USAGE', `${what} is read from stdin: pipe it in (see --help)`);
  }
  return io.stdin;
}

/** Reads a stream to its end. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}


/** The stable code of an error: its `code` when it is a string, else `ISO8583_ERR_CLI_UNEXPECTED`. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'ISO8583_ERR_CLI_UNEXPECTED';
}

/**
 * The error line of the command: `iso8583: <code>: <message>`, card-shaped digit runs masked (the codec's
 * `maskDigitRuns`): error texts of these packages never carry values by design; this is the last guard before a line
 * reaches a terminal or a log.
 */
export function formatError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `iso8583: ${errorCode(err)}: ${maskDigitRuns(message)}\n`;
}

/** Writes text and waits until the stream has taken it (so that a command's exit does not cut its output). */
export function writeText(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}
