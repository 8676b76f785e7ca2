/**
 * A message's card-data mask (`CardDataMask` of the request as the client sent it and of the sequence's own fields),
 * the one every line about the message uses: its failure lines, its late result's, its context's logger and view. Made
 * once (some 30 µs for a purchase with track 2, PIN block and EMV data), and made again only when the sequence's fields
 * have changed since: a value the sequence puts into its message after a line was written (a PIN block translated) is
 * masked in every later line all the same.
 */
import type { Dialect, IsoMessage } from '@iso8583/codec';
import { CardDataMask } from './card-data-mask.js';

/** The mask made last, and what the sequence's fields held then (see {@link messageMask}). */
export interface HeldMask {
  readonly mask: CardDataMask;
  /** The sequence's fields object the mask was made from (undefined when there was none). */
  readonly own: IsoMessage | undefined;
  /** What {@link CardDataForms} read of it then, in the order it read it (see {@link readOf}). */
  readonly read: readonly unknown[];
}

/** Where a message's mask comes from, and where it is kept (the message in flight: `InFlight` of pipeline.ts). */
export interface MaskOrigin {
  /** The request as the client sent it: the endpoint's own copy, never changed. */
  readonly fields: IsoMessage;
  /** The sequence's own message, whose `fields` it may change. */
  readonly message?: { readonly fields: IsoMessage };
  readonly dialect: Dialect;
  /** The mask made last (see {@link messageMask}). */
  heldMask?: HeldMask;
}

/** What a message's masks are made of: the request as the client sent it, and the sequence's own fields (both). */
export function maskedFields(origin: { readonly fields: IsoMessage; readonly message?: { readonly fields: IsoMessage } }): IsoMessage[] {
  return origin.message === undefined ? [origin.fields] : [origin.fields, origin.message.fields];
}

/**
 * The message's mask: the one made last while the sequence's fields read as they did then (same object, same keys,
 * same values, sub-fields included: a look at each, about a microsecond for a purchase), else a new one, kept. Throws
 * what `CardDataMask.of` throws (a field whose getter throws): callers make it inside `logSafely`.
 */
export function messageMask(origin: MaskOrigin): CardDataMask {
  const own = origin.message?.fields;
  const held = origin.heldMask;
  if (held !== undefined && held.own === own && (own === undefined || sameRead(own, held.read))) return held.mask;
  const mask = CardDataMask.of(maskedFields(origin), origin.dialect);
  origin.heldMask = { mask, own, read: own === undefined ? [] : readOf(own) };
  return mask;
}

/** Marks the start and the end of a composite field's sub-fields in what {@link readOf} records. */
const OPEN = Symbol('open');
const CLOSE = Symbol('close');

/**
 * What a mask reads of `fields` (card-data-forms.ts `collect`: each own enumerable key whose value is a string, or an
 * object read the same way), flat, in order: key then value, an object's entries between {@link OPEN} and
 * {@link CLOSE}. Anything else (a number, `null`) a mask does not read: not recorded.
 */
function readOf(fields: object, out: unknown[] = []): unknown[] {
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') out.push(key, value);
    else if (value !== null && typeof value === 'object') {
      out.push(key, OPEN);
      readOf(value as object, out);
      out.push(CLOSE);
    }
  }
  return out;
}

/**
 * Whether `fields` reads now as `read` says (see {@link readOf}), without recording it: stops at the first difference,
 * and once past `read`'s end (so an object that now holds itself is a difference, not a walk without end).
 */
function sameRead(fields: object, read: readonly unknown[]): boolean {
  let at = 0;
  const walk = (of: object): boolean => {
    for (const [key, value] of Object.entries(of)) {
      if (typeof value === 'string') {
        if (read[at] !== key || read[at + 1] !== value) return false;
        at += 2;
      } else if (value !== null && typeof value === 'object') {
        if (read[at] !== key || read[at + 1] !== OPEN) return false;
        at += 2;
        if (!walk(value as object) || read[at] !== CLOSE) return false;
        at++;
      }
    }
    return true;
  };
  return walk(fields) && at === read.length;
}
