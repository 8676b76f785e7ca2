/**
 * The message type indicator (MTI) of the answer to a message: the one rule of the standard (jPOS
 * `ISOMsg.setResponseMTI`) that every part (connector match keys, inbound replies, the host simulator, the gateway's
 * own answers) calls, for ISO 8583:1987, 1993 and 2003 MTIs alike.
 *
 * An MTI is four digits: version (0 = 1987, 1 = 1993, 2 = 2003, 9 = private), message class (1 authorisation,
 * 2 financial, 4 reversal, 8 network management, ...), message function and message origin.
 */

/**
 * Message functions (third digit) that expect an answer, each answered by the next digit: 0 request -> 1 request
 * response, 2 advice -> 3 advice response, 4 notification -> 5 notification acknowledgement (1993), 6 instruction ->
 * 7 instruction acknowledgement (2003). 8 (response acknowledgement, 1993) expects nothing; odd digits are answers.
 */
const ANSWERED_FUNCTIONS = '0246';

/**
 * Message origin (fourth digit) of the answer: the answer names the original's side, never the repeat, so that the
 * answer to a repeat matches the original (0401 -> 0410, 0421 -> 0430). 0/1 acquirer -> 0, 2/3 issuer -> 2, 4/5
 * other -> 4; 6-9 are reserved by the standard.
 */
const ANSWER_ORIGIN: Readonly<Record<string, string>> = { '0': '0', '1': '0', '2': '2', '3': '2', '4': '4', '5': '4' };

/**
 * The MTI of the answer to `mti` (jPOS `setResponseMTI`): the message function (third digit) + 1 and the origin
 * (fourth digit) with the repeat bit cleared (0/1 -> 0, 2/3 -> 2, 4/5 -> 4); version and class are kept.
 *
 * | request | answer |   | request | answer |
 * | ------- | ------ | - | ------- | ------ |
 * | 0100    | 0110   |   | 0401    | 0410   |
 * | 0200    | 0210   |   | 0420    | 0430   |
 * | 0202    | 0212   |   | 0421    | 0430   |
 * | 0800    | 0810   |   | 1304    | 1314   |
 *
 * `undefined` when no answer is due or the MTI is not one: not four digits, already an answer (odd function digit),
 * a response acknowledgement (function 8), or a reserved origin (6-9). Callers treat `undefined` as "send no reply".
 */
export function responseMti(mti: string): string | undefined {
  if (mti.length !== 4 || !/^\d{4}$/.test(mti)) return undefined;
  const fn = mti[2] as string;
  if (!ANSWERED_FUNCTIONS.includes(fn)) return undefined;
  const origin = ANSWER_ORIGIN[mti[3] as string];
  if (origin === undefined) return undefined;
  return `${mti.slice(0, 2)}${Number(fn) + 1}${origin}`;
}

/** True when `mti` is four digits and expects an answer ({@link responseMti} is defined for it). */
export function expectsResponse(mti: string): boolean {
  return responseMti(mti) !== undefined;
}

/**
 * Whether `mti` is of the network management class (second digit 8: 0800, 0810, 1804, 1814): sign-on, sign-off, echo
 * test, key exchange. Such an answer's `00` moved no money: it is never an approval to reverse (the one home of the
 * rule: the gateway's handler of undelivered approvals asks here). `false` for anything that is not four digits.
 */
export function isNetworkManagement(mti: unknown): boolean {
  return typeof mti === 'string' && mti.length === 4 && /^\d{4}$/.test(mti) && mti[1] === '8';
}

/**
 * Whether `mti` is of an edition whose messages this toolkit can reverse and whose result codes it reads by the
 * standard: version digit (first) `0` (ISO 8583:1987) or `1` (1993). `false` for any other digit (`2` ISO 8583:2003,
 * as jPOS CMF's 2100 and 2200; `3`-`8` reserved; `9` private) and for anything that is not four digits. The one home
 * of the rule: the connector's reversal (`isReversible`, `isUnreversibleEdition`) asks here.
 */
export function isKnownEdition(mti: unknown): boolean {
  // Character compares, no regular expression: the connector asks once per request (isReversible).
  if (typeof mti !== 'string' || mti.length !== 4 || (mti[0] !== '0' && mti[0] !== '1')) return false;
  for (let i = 1; i < 4; i++) {
    const c = mti.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
