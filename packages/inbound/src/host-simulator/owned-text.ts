/**
 * Copies of the values the simulated issuer keeps (journal entries, remembered reversals, card accounts). A field
 * the codec decodes is cut from its message's text, and a cut of 13 characters or more (a PAN, a track, field 90)
 * shares that text in V8 rather than copying it: kept as it is, one card number would keep its whole message, up to
 * `maxFrameSize` (64 KB), alive for as long as the journal holds the transaction, which is 1.3 GB for 20,000 padded
 * requests. A copy holds only its own characters.
 */

/** Characters a Latin-1 copy cannot hold. */
const BEYOND_LATIN1 = /[\u0100-\uffff]/;

/**
 * Below this length V8 copies a cut (`substring`, a regular expression's match) and flattens a join at once (its
 * `SlicedString::kMinLength` and `ConsString::kMinLength`): such a value holds only its own characters already.
 */
const COPIED_BELOW = 13;

/**
 * A copy of `value` that shares no memory with the text it was cut from (the same characters). A value shorter than
 * {@link COPIED_BELOW} is one already and is returned as it is (a STAN, a terminal id: a copy costs about 170 ns).
 */
export function ownedText(value: string): string {
  if (value.length < COPIED_BELOW) return value;
  return BEYOND_LATIN1.test(value) ? Buffer.from(value, 'utf16le').toString('utf16le') : Buffer.from(value, 'latin1').toString('latin1');
}

/** {@link ownedText} of a value that may be absent. */
export function ownedOptional(value: string | undefined): string | undefined {
  return value === undefined ? undefined : ownedText(value);
}
