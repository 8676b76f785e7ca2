/**
 * The error for a read past the end. `measure()` tells "more bytes are needed" (the read went past the end of the
 * input) from "the message is malformed" (a sub-field went past the end of its composite field), and, when the read
 * knew how far it wanted to go, how many bytes the message needs at least.
 */
import type { Iso8583Error } from '../errors.js';
import { codecError } from '../errors.js';

/** Errors of a read past the end of the input -> the input length the read needed (0 when not known). */
const moreBytes = new WeakMap<Iso8583Error, number>();

/**
 * Makes `ISO8583_ERR_TRUNCATED` for `field` at `offset`; `atEnd` when the read went past the end of the input, and then
 * `needed`, the input length that read needed (0: not known). The bytes before the read decide every read up to it,
 * so no message can be complete in fewer bytes than `needed`.
 */
export function truncated(field: string, offset: number, atEnd: boolean, needed = 0): Iso8583Error {
  const err = codecError('ISO8583_ERR_TRUNCATED', 'the message ends inside this field', { field, offset });
  if (atEnd) moreBytes.set(err, needed);
  return err;
}

/** True when `err` says that the input ended before the message did (more bytes may complete it). */
export function needsMoreBytes(err: unknown): boolean {
  return moreBytes.has(err as Iso8583Error);
}

/** For an error of {@link needsMoreBytes}: the input length the message needs at least (0 when not known). */
export function bytesNeeded(err: unknown): number {
  return moreBytes.get(err as Iso8583Error) ?? 0;
}
