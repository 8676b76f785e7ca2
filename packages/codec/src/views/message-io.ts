import type { IsoMessage, MessageInput } from '../types.js';
import { codecError } from '../errors.js';

/** The three forms a message comes in: `ISOMessage` XML text, JSON text, or an object. */
export type MessageForm = 'xml' | 'json' | 'object';

/** A message read from any form. */
export interface MessageRead {
  /** The form it came in; answer in the same form. */
  form: MessageForm;
  /** The fields. */
  message: MessageInput;
  /** The raw header bytes before the MTI (`<header>` base64 in XML), when given. */
  header?: Buffer;
}

/** Reads a message given as XML text, JSON text or an object. Throws `ISO8583_ERR_XML` / `ISO8583_ERR_JSON`. */
export function readMessage(input: string | MessageInput): MessageRead {
  void input;
  throw codecError('ISO8583_ERR_JSON', 'not built yet');
}

/** Writes a message in the given form: XML text, JSON text, or the object itself. */
export function writeMessage(message: IsoMessage, form: MessageForm, header?: Uint8Array): string | IsoMessage {
  void header;
  if (form === 'object') return message;
  throw codecError('ISO8583_ERR_OPTION', 'not built yet');
}
