/**
 * The message a one-shot command (`encode`, `send`) reads from stdin, one rule for both: XML or JSON text
 * (`readMessage`), a jPOS XMLPackager dump read by jPOS's rule for `type` with the command's dialect (as the connector
 * and inbound replies read one), and `--input` checked against the form found.
 */
import { readMessage } from '@iso8583/codec';
import type { Dialect, MessageRead } from '@iso8583/codec';
import { cliError } from '../args.js';
import type { CommandIo } from '../io.js';
import { readInputText } from '../io.js';

/** A message read from stdin: its form, fields and header, and the text as given (for a reader that reads it again). */
export type InputMessage = MessageRead & { text: string };

/**
 * Reads the message on stdin for `dialect` (the codec's: a jPOS dump's `type="binary"` value on a character field is
 * the text of its bytes, a text value on a binary field the hex of its bytes; `fromXml`'s `dialect`). Refuses empty
 * input, and input of another form than `input` (`--input json|xml`; default: whichever it is), with
 * `ISO8583_ERR_CLI_INPUT`; XML or JSON that does not read throws the codec's error.
 */
export async function readInputMessage(io: CommandIo, dialect: Dialect, input: 'json' | 'xml' | undefined): Promise<InputMessage> {
  const text = await readInputText(io, 'the message');
  if (text.trim() === '') throw cliError('ISO8583_ERR_CLI_INPUT', 'no message on stdin');
  const read = readMessage(text, { dialect });
  if (input !== undefined && read.form !== input) {
    throw cliError('ISO8583_ERR_CLI_INPUT', `--input ${input} given, but stdin holds ${read.form.toUpperCase()}`);
  }
  return { ...read, text };
}
