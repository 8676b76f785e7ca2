/**
 * Which amount a reversal of a known answer undoes: the amount the answer approved (`DialectReversal.approvedAmount`),
 * when it is not more than the request's and in the request's currency; else the request's, and why.
 */
import type { FieldSpec, MessageInput } from '@iso8583/codec';
import { wireValue } from './match-key.js';

/**
 * Why a reversal keeps the request's amount although the answer carries one that reads as an amount: the answer's is
 * more than the request's (`more-than-requested`), in another currency than the request's field 49, or in one not
 * known (a settlement or billing amount, field 5 or 6, without its currency, 50 or 51) (`other-currency`),
 * or the request's amount is not 1 to 12 digits, so the two cannot be compared (`unreadable-request`). A reversal is
 * never for more than was asked, nor in another currency. (No card data: a name to log or count.)
 */
export type AmountKept = 'more-than-requested' | 'other-currency' | 'unreadable-request';

/**
 * The amount an answer approved, as a reversal's field 4 (padded as the dialect pads field 4): field `field` of
 * `answer` when it is 1 to 12 digits, not all zeros (a string of digits, or a whole number from 1); `undefined`
 * otherwise (absent, zero, composite, signed, not digits, too long, unreadable), when the request's amount stays.
 */
export function approvedAmountOf(answer: MessageInput, field: string, spec: FieldSpec | undefined): string | undefined {
  let value: unknown;
  try {
    if (!Object.hasOwn(answer, field)) return undefined;
    value = answer[field];
  } catch {
    return undefined; // An answer that cannot be read (a getter that throws) says no amount: the reversal still goes.
  }
  const text = typeof value === 'string' ? value : typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  // Zero approves nothing: a host that answers its approvals with zeros in the field says nothing of the amount, and a
  // reversal of 0 would undo nothing where the host reads field 4.
  if (text === undefined || !/^[0-9]{1,12}$/.test(text) || /^0+$/.test(text)) return undefined;
  return wireValue(spec, text);
}

/**
 * The currency field of each amount field an answer may carry the approval in: the settlement amount (5) is in field
 * 50, the cardholder billing amount (6) in field 51; any other (4, a private field) in the transaction currency, 49.
 */
const CURRENCY_OF_AMOUNT: Readonly<Record<string, string>> = { '5': '50', '6': '51' };

/** The fields of an answer that {@link amountKept} reads for an approved amount in `field`: it and its currency's. */
export function amountFieldsOf(field: string): readonly [string, string] {
  return [field, CURRENCY_OF_AMOUNT[field] ?? '49'];
}

/**
 * Why the approved amount `approved` (1 to 12 digits, from the answer's field `field`) may not replace the request's
 * `requested` in a reversal ({@link AmountKept}), or `undefined` when it may: not more than the request's (compared as
 * numbers, whatever their widths), and in the request's currency `currency` (the wire value of the request's field
 * 49, `''` when it has none; numeric codes compared as numbers, `840` and `0840` alike): the answer's currency field of
 * that amount (49; 50 for field 5, 51 for field 6) absent or equal to it for field 49, present and equal to it for 50
 * and 51 (a settlement or billing amount says nothing of the transaction currency without its own).
 */
export function amountKept(requested: string, approved: string, currency: string, answer: MessageInput, field: string): AmountKept | undefined {
  if (!/^[0-9]{1,12}$/.test(requested)) return 'unreadable-request';
  if (BigInt(approved) > BigInt(requested)) return 'more-than-requested';
  const currencyField = amountFieldsOf(field)[1];
  let theirs: unknown;
  try {
    theirs = Object.hasOwn(answer, currencyField) ? answer[currencyField] : undefined;
  } catch {
    return 'other-currency'; // A currency that cannot be read is not known to be the request's.
  }
  if (theirs === undefined || theirs === null) return currencyField === '49' ? undefined : 'other-currency';
  if (typeof theirs !== 'string' && typeof theirs !== 'number') return 'other-currency';
  return currencyCode(String(theirs)) === currencyCode(currency) && currency !== '' ? undefined : 'other-currency';
}

/** A currency code to compare: trimmed, a numeric one without its leading zeros. */
function currencyCode(code: string): string {
  const trimmed = code.trim();
  return /^[0-9]+$/.test(trimmed) ? String(Number(trimmed)) : trimmed;
}
