/**
 * Copies of decoded values that a long-lived holder keeps (a journal entry, a remembered reversal, a store-and-forward
 * entry, a late approval). A field the codec decodes is cut from its message's text, and a cut of 13 characters or
 * more (a PAN, a track, field 90) shares that text in V8 rather than copying it: kept as it is, one card number would
 * keep its whole message, up to `maxFrameSize` (64 KB), alive for as long as it is held, which is 1.3 GB for 20,000
 * padded requests. A copy holds only its own characters. The codec's `unpack` does not copy (it must stay fast): the
 * holder copies where it stores.
 */

import type { IsoMessage } from './types.js';

/** Characters a Latin-1 copy cannot hold. */
const BEYOND_LATIN1 = /[\u0100-\uffff]/;

/**
 * Below this length V8 copies a cut (`substring`, a regular expression's match) and flattens a join at once (its
 * `SlicedString::kMinLength` and `ConsString::kMinLength`): such a value holds only its own characters already.
 */
const COPIED_BELOW = 13;

/**
 * A copy of `value` that shares no memory with the text it was cut from (the same characters), for a value kept
 * beyond its message's lifetime. A value shorter than 13 characters is one already and is returned as it is (a STAN,
 * a terminal id: a copy costs about 170 ns).
 *
 * @param value - a decoded field value, or any string.
 * @returns the same characters in a string of their own (`value` itself when shorter than 13 characters).
 */
export function ownedText(value: string): string {
  if (value.length < COPIED_BELOW) return value;
  return BEYOND_LATIN1.test(value) ? Buffer.from(value, 'utf16le').toString('utf16le') : Buffer.from(value, 'latin1').toString('latin1');
}

/**
 * {@link ownedText} of a value that may be absent.
 *
 * @param value - a decoded field value, or `undefined`.
 * @returns `undefined` for `undefined`, else `ownedText(value)`.
 */
export function ownedOptional(value: string | undefined): string | undefined {
  return value === undefined ? undefined : ownedText(value);
}

/**
 * A copy of a decoded message (its composite fields too) whose values share no memory with the text they were cut
 * from, for a message kept beyond its request (a reversal queued for store and forward): each value through
 * {@link ownedText}. The message given is left as it is.
 *
 * @param message - a decoded message, or one built from a decoded message's fields.
 * @returns a new message with the same fields and values.
 */
export function ownedMessage(message: IsoMessage): IsoMessage {
  const owned: IsoMessage = {};
  for (const field of Object.keys(message)) {
    const value = message[field] as string | IsoMessage;
    owned[field] = typeof value === 'string' ? ownedText(value) : ownedMessage(value);
  }
  return owned;
}
