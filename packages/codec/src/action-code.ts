/**
 * Response codes by edition: ISO 8583:1987 answers in field 39 with a 2-character response code (`00` approved, `51`
 * not sufficient funds, `96` system malfunction), ISO 8583:1993 with a 3-digit action code whose first digit is its
 * class (0 approved, 1 denied, 2 denied and pick up the card, 3 file action, 4 reversal, 5 reconciliation,
 * 6 administrative, 7 fee collection, 8 network management, 9 rejected). Which one a reply carries follows the
 * version digit of the MTI it answers (0xxx or 1xxx), never the dialect: a 1987 `96` written as `096` in a 1993
 * answer would read as an approval; except that a dialect whose field 39 has 2 characters speaks 1987 codes
 * ({@link responseCodeIn}). Every part that answers on its own (the inbound endpoint's 30 and 96, the host
 * simulator, the gateway's 91/68/94/30/96) asks here.
 */
import type { Dialect } from './types.js';

/** The "accepted" action code of each 1993 message class (second MTI digit): 000 authorisation and financial, ... */
const ACCEPTED_1993: Readonly<Record<string, string>> = {
  '1': '000', '2': '000', '3': '300', '4': '400', '5': '500', '6': '600', '7': '700', '8': '800',
};

/** Declines of an authorisation or financial request: the 1987 response code -> the 1993 action code (1xx, 2xx). */
const DENIED_1993: Readonly<Record<string, string>> = {
  '05': '100', // do not honour
  '13': '110', // invalid amount
  '14': '111', // invalid card number
  '51': '116', // not sufficient funds
  '54': '101', // expired card
  '55': '117', // incorrect PIN
  '57': '119', // transaction not permitted to cardholder
  '61': '121', // exceeds withdrawal amount limit
  '41': '208', // lost card, pick up
  '43': '209', // stolen card, pick up
};

/** Rejections, the same in every message class: the 1987 response code -> the 1993 action code (9xx). */
const REJECTED_1993: Readonly<Record<string, string>> = {
  '12': '902', // invalid transaction
  '25': '914', // original transaction cannot be traced
  '30': '904', // format error
  '68': '911', // card issuer timed out
  '91': '907', // card issuer or switch inoperative
  '94': '913', // duplicate transmission
  '96': '909', // system malfunction
};

/**
 * The ISO 8583:1987 response codes of the answers the toolkit makes itself when the host cannot answer: the gateway's
 * and connector's `91` (never reached the host), `68` (reached it or may have: reversed), `94` (duplicate), `30`
 * (format error), `96` (system malfunction); the inbound endpoint's `30` and `96`.
 */
export const OWN_ANSWER_CODES: readonly string[] = ['30', '68', '91', '94', '96'];

/**
 * The {@link OWN_ANSWER_CODES} that `dialect` has no code of its own for (`answerCodes`) where it needs one: a field 39
 * wider than 3 characters (jPOS CMF's `n 4`, the 2003 edition, which approves with its whole `0xxx` class), where
 * `responseCodeIn` would write the 1987 code, padded to `0091`, an approval there. Empty for a field 39 of 3 characters
 * or fewer, and when every one is named. What the gateway (its POS dialect) and a flow (an inbound endpoint's) refuse
 * at their start: one home of the rule. Read once per dialect at load, nothing per message.
 */
export function unmappedOwnAnswerCodes(dialect: Pick<Dialect, 'fields'> & Partial<Pick<Dialect, 'answerCodes'>>): string[] {
  const f39 = dialect.fields['39'];
  if (f39 === undefined || f39.length <= 3) return [];
  const own = dialect.answerCodes;
  return OWN_ANSWER_CODES.filter((code) => own === undefined || !Object.hasOwn(own, code));
}

/**
 * Why a party answering on its own (`party`: `gateway`, `endpoint`) cannot answer under `dialect`: its field 39 is wider
 * than 3 characters and its `answerCodes` leave out some of the {@link OWN_ANSWER_CODES} ({@link unmappedOwnAnswerCodes}:
 * the one left out would be padded, `0091`, an approval there); `undefined` when it can. The one text of the refusal the
 * gateway (its POS dialect, `ISO8583_ERR_GATEWAY_CONFIG`) and a flow (an inbound endpoint's, at
 * `/inboundEndpoints/NAME/dialect`) prefix with where the dialect was named (sr69q #10).
 */
export function unmappedOwnAnswerCodesReason(dialect: Pick<Dialect, 'fields'> & Partial<Pick<Dialect, 'answerCodes'>>, party: string): string | undefined {
  const missing = unmappedOwnAnswerCodes(dialect);
  if (missing.length === 0) return undefined;
  const width = dialect.fields['39']?.length ?? 4;
  return `field 39 holds ${width} characters, but the dialect's answerCodes name no code for ${missing.join(', ')}: the ${party}'s own ${missing[0]} would be padded to ${'0'.repeat(width - 2)}${missing[0]} and read as approved; name answerCodes (the dialect's code for each of ${OWN_ANSWER_CODES.join(', ')})`;
}

/**
 * The ISO 8583:1993 action codes (9xx, rejected) of the answers the toolkit makes itself ({@link OWN_ANSWER_CODES}):
 * `30` -> `904`, `68` -> `911`, `91` -> `907`, `94` -> `913`, `96` -> `909`. The built-in `smartvista` dialect's
 * `answerCodes`: SmartVista's own table has these (its system errors, SocketQueue's `isSystemFaulty`, are 9xx codes
 * such as `907`), where a 1987 code in its 3-digit field 39 (`091`, `068`, `030`) would sit in the approval class
 * (`0xx`) of a table of action codes.
 */
export function ownAnswerActionCodes(): Record<string, string> {
  return Object.fromEntries(OWN_ANSWER_CODES.map((code) => [code, REJECTED_1993[code]!]));
}

/** ISO 8583:1993 action code 002, approved for a partial amount: the 1987 `10` of an authorisation or financial answer. */
const ACTION_CODE_PARTIAL_APPROVAL = '002';

/** ISO 8583:1993 action code 909, system malfunction: what a 1987 code with no 1993 counterpart here becomes. */
export const ACTION_CODE_SYSTEM_MALFUNCTION = '909';

/**
 * The ISO 8583:1993 action code that says "accepted" (the 1987 `00`) in an answer of message class `messageClass` (the
 * second MTI digit): `000` in an authorisation or financial answer, `400` in a reversal, `800` in network management;
 * `undefined` for a class that has none.
 */
export function acceptedActionCode(messageClass: string): string | undefined {
  return Object.hasOwn(ACCEPTED_1993, messageClass) ? ACCEPTED_1993[messageClass] : undefined;
}

/**
 * The ISO 8583:1993 action code that says what the 1987 response code `code` says, in an answer of message class
 * `messageClass` (the second MTI digit: `00` is `000` in an authorisation, `400` in a reversal, `800` in network
 * management; `10`, approved for a partial amount, is `002` in an authorisation or financial answer). A code with no
 * counterpart in the table becomes `909` (system malfunction), never an approval.
 */
export function actionCode1993(code: string, messageClass: string): string {
  if (code === '00') return acceptedActionCode(messageClass) ?? ACTION_CODE_SYSTEM_MALFUNCTION;
  // Approved for a partial amount: 002 in an authorisation or financial answer (never a decline nor an error).
  if (code === '10' && (messageClass === '1' || messageClass === '2')) return ACTION_CODE_PARTIAL_APPROVAL;
  const denied = messageClass === '1' || messageClass === '2' ? DENIED_1993[code] : undefined;
  return denied ?? REJECTED_1993[code] ?? ACTION_CODE_SYSTEM_MALFUNCTION;
}

/**
 * Whether field 39 of a message with MTI `mti` (a request or its answer: the version digit is the same) carries ISO
 * 8583:1993 action codes: a 1993 MTI (1xxx). The one home of the rule that the MTI, not the dialect, says which codes a
 * reply carries: {@link responseCodeFor} writes by it, `isApprovalClass` reads by it when it is given the MTI.
 */
export function carriesActionCodes(mti: string): boolean {
  return mti[0] === '1' && mti.length === 4;
}

/**
 * Field 39 of an answer to `mti` that means what the ISO 8583:1987 response code `code` means: `code` as it is for a
 * 1987 MTI (0xxx, and any other version), the 1993 action code ({@link actionCode1993}) for a 1993 MTI (1xxx).
 */
export function responseCodeFor(mti: string, code: string): string {
  return carriesActionCodes(mti) ? actionCode1993(code, mti[1] as string) : code;
}

/**
 * Whether the answers of `dialect` carry ISO 8583:1987 response codes whatever the version of the MTI: its field 39 is
 * fixed at 2 characters (a network on 1993 MTIs that kept the 1987 codes), so no 3-digit action code fits it. The one
 * home of this rule: {@link responseCodeIn} writes by it, and `isApprovalClass` reads a 2-character code of a 1993
 * dialect as the 1987 code it is.
 */
export function speaksResponseCodes1987(dialect: Pick<Dialect, 'fields'> | undefined): boolean {
  const f39 = dialect?.fields['39'];
  return f39 !== undefined && f39.prefix === undefined && f39.length === 2;
}

/**
 * Whether the answers of `dialect` carry response codes of 3 characters whatever their meaning: its field 39 is fixed
 * at 3 characters of text (`n 3`, `an 3`, `ans 3`: a 1993 action code, SmartVista's `000`, a jPOS packager's
 * `IFE_NUMERIC 3`), so a 1987 code travels as `000`, `091`. The one home of this rule: the default approval codes
 * (`approvalCodesOf`) and system errors (`systemErrorCodesOf`) are written by it.
 */
export function speaksThreeCharacterCodes(dialect: Partial<Pick<Dialect, 'fields'>> | undefined): boolean {
  const f39 = dialect?.fields?.['39'];
  return f39 !== undefined && f39.prefix === undefined && f39.length === 3 && (f39.type === 'n' || f39.type === 'an' || f39.type === 'ans');
}

/**
 * Whether the answers of `dialect` carry response codes of 4 characters: its field 39 is fixed at 4 characters of text
 * (jPOS CMF's `n 4`, the 2003 edition, which approves with its whole `0xxx` class). The one home of this rule: the
 * default approval codes (`approvalCodesOf`: `0000`) are written by it.
 */
export function speaksFourCharacterCodes(dialect: Partial<Pick<Dialect, 'fields'>> | undefined): boolean {
  const f39 = dialect?.fields?.['39'];
  return f39 !== undefined && f39.prefix === undefined && f39.length === 4 && (f39.type === 'n' || f39.type === 'an' || f39.type === 'ans');
}

/**
 * Field 39 of an answer to `mti` under `dialect` that means what the ISO 8583:1987 response code `code` means: the 1987
 * code itself when the dialect's field 39 has 2 characters ({@link speaksResponseCodes1987}), else the dialect's own
 * code for it (its `answerCodes`: `911` for `68` under `smartvista`), else {@link responseCodeFor} (the 1993 action
 * code for a 1xxx MTI). The one home of "the dialect's code for X": what every part that answers on its own (the
 * inbound endpoint, the host simulator, the gateway, the connector's network management) calls; `dialect`
 * `undefined`: by the MTI alone.
 */
export function responseCodeIn(dialect: (Pick<Dialect, 'fields'> & Partial<Pick<Dialect, 'answerCodes'>>) | undefined, mti: string, code: string): string {
  if (speaksResponseCodes1987(dialect)) return code;
  const own = dialect?.answerCodes;
  if (own !== undefined && Object.hasOwn(own, code)) return own[code]!;
  return responseCodeFor(mti, code);
}
