/**
 * How a reversal or completion names its original in the issuer's journal (issuer.ts): the STAN and keys of field 90
 * (1987) or 56 (1993), and the keys of its own (its terminal, its card) that the original must share.
 */
import type { IsoMessage } from '@iso8583/codec';
import { panOf } from './cards.js';
import { readOriginalDataElements } from './iso1993.js';
import type { OriginalKeys } from './journal.js';
import { text } from './message-fields.js';

/**
 * The keys a reversal or completion adds of its own to those that name its original: its terminal (41) and its card
 * (2, else track 2), when it carries them. The original of another terminal or card is not its.
 */
export function ownKeys(fields: IsoMessage): OriginalKeys {
  const terminal = text(fields, '41');
  const pan = panOf(fields);
  return { ...(terminal === undefined ? {} : { terminal }), ...(pan === undefined ? {} : { pan }) };
}

/** The STAN and keys of the original a message names in field 90 (1987) or 56 (1993); `null` when it names none. */
export function originalKeys(fields: IsoMessage, v1993: boolean): { stan: string; keys: OriginalKeys } | null {
  const original = text(fields, v1993 ? '56' : '90');
  if (original === undefined) return null;
  if (v1993) {
    const elements = readOriginalDataElements(original);
    if (elements === undefined) return null;
    return {
      stan: elements.stan,
      keys: {
        mti: elements.mti,
        ...(elements.local === undefined ? {} : { local: elements.local }),
        ...(elements.acquirer === undefined ? {} : { acquirer: elements.acquirer }),
      },
    };
  }
  if (!/^\d{20}/.test(original)) return null;
  const acquirer = original.slice(20, 31);
  const transmission = original.slice(10, 20);
  return {
    stan: original.slice(4, 10),
    keys: {
      mti: original.slice(0, 4),
      ...(/^0+$/.test(transmission) ? {} : { transmission }),
      ...(acquirer === '' || /^0+$/.test(acquirer) ? {} : { acquirer }),
    },
  };
}
