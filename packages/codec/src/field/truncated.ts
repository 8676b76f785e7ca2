/**
 * The error for a read past the end. `measure()` tells "more bytes are needed" (the read went past the end of the
 * input) from "the message is malformed" (a sub-field went past the end of its composite field).
 */
import type { Iso8583Error } from '../errors.js';
import { codecError } from '../errors.js';

const moreBytes = new WeakSet<Iso8583Error>();

/** Makes `ISO8583_ERR_TRUNCATED` for `field` at `offset`; `atEnd` when the read went past the end of the input. */
export function truncated(field: string, offset: number, atEnd: boolean): Iso8583Error {
  const err = codecError('ISO8583_ERR_TRUNCATED', 'the message ends inside this field', { field, offset });
  if (atEnd) moreBytes.add(err);
  return err;
}

/** True when `err` says that the input ended before the message did (more bytes may complete it). */
export function needsMoreBytes(err: unknown): boolean {
  return moreBytes.has(err as Iso8583Error);
}
