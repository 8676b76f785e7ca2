import type { IsoMessage, MessageInput } from '../types.js';
import { codecError } from '../errors.js';

/** The JSON text of a message: one object keyed by field number with string values, in ascending order. */
export function toJson(message: IsoMessage): string {
  return JSON.stringify(message);
}

/** Reads JSON text as a message input. Throws `ISO8583_ERR_JSON` naming every bad field. */
export function fromJson(text: string): MessageInput {
  void text;
  throw codecError('ISO8583_ERR_JSON', 'not built yet');
}
