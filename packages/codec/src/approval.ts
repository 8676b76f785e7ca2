/**
 * Approval: which response codes (field 39) mean "approved" is a property of the dialect (`approvalCodes`), not the
 * string `00`: SmartVista hosts answer `000` in a 3-digit field 39. Every part that decides "approved" (stats,
 * sign-on, the host simulator, the gateway) asks here. Whether an answer moved money (so that one its client never got
 * must be reversed) is a wider question: {@link isApprovalClass}.
 */
import type { Dialect } from './types.js';
import { dialectVersion } from './dialect/version.js';
import { acceptedActionCode, carriesActionCodes, speaksFourCharacterCodes, speaksResponseCodes1987, speaksThreeCharacterCodes } from './action-code.js';

/** The approval codes of a dialect that names none: ISO 8583:1987's `00` (approved or completed successfully). */
export const DEFAULT_APPROVAL_CODES: readonly string[] = Object.freeze(['00']);

/** The approval codes of a dialect that names none and whose field 39 has 3 fixed characters: `000`. */
const DEFAULT_APPROVAL_CODES_3: readonly string[] = Object.freeze(['000']);

/** The approval codes of a dialect that names none and whose field 39 has 4 fixed characters (the 2003 edition): `0000`. */
const DEFAULT_APPROVAL_CODES_4: readonly string[] = Object.freeze(['0000']);

/**
 * What approval asks of a dialect: its `approvalCodes` and, when they are not given, its `fields` (field 39's width
 * says the default).
 */
export type ApprovalDialect = Pick<Dialect, 'approvalCodes'> & Partial<Pick<Dialect, 'fields'>>;

/**
 * The response codes that mean approved under `dialect`: its `approvalCodes`; default `["000"]` when its field 39 has
 * 3 fixed characters (`speaksThreeCharacterCodes`), where `00` could never travel, `["0000"]` when it has 4 (jPOS CMF's
 * `n 4`, the 2003 edition: `speaksFourCharacterCodes`), `["00"]` otherwise.
 */
export function approvalCodesOf(dialect: ApprovalDialect): readonly string[] {
  const codes = dialect.approvalCodes;
  if (codes !== undefined && codes.length > 0) return codes;
  if (speaksFourCharacterCodes(dialect)) return DEFAULT_APPROVAL_CODES_4;
  return speaksThreeCharacterCodes(dialect) ? DEFAULT_APPROVAL_CODES_3 : DEFAULT_APPROVAL_CODES;
}

/**
 * Whether a response code (field 39 as decoded: a string) means approved under `dialect`. Anything else (absent, a
 * number, another code) is not an approval.
 */
export function isApproved(dialect: ApprovalDialect, responseCode: unknown): boolean {
  return typeof responseCode === 'string' && approvalCodesOf(dialect).includes(responseCode);
}

/**
 * Whether an answer with this response code (field 39 as decoded) to a message of MTI `mti` (the request's or the
 * answer's: the class digit is the same) says the message was accepted: one of the dialect's approval codes
 * ({@link isApproved}), or, where field 39 carries ISO 8583:1993 action codes (a 1xxx MTI in a dialect whose field 39
 * does not keep the 1987 codes' 2 characters), the action code that accepts a message of its class: `400` for a
 * reversal (14xx), `000` for an authorisation or financial message or advice (11xx, 12xx), `800` for network
 * management. What the connector asks of an answer to a reversal or an advice (the SAF queue): the host simulator and
 * every part that answers on its own accept a 1420 with `400` ({@link responseCodeIn}).
 */
export function isAcceptedFor(dialect: ApprovalDialect, responseCode: unknown, mti: string): boolean {
  if (isApproved(dialect, responseCode)) return true;
  if (typeof responseCode !== 'string' || !carriesActionCodes(mti)) return false;
  if (dialect.fields !== undefined && speaksResponseCodes1987({ fields: dialect.fields })) return false;
  return responseCode === acceptedActionCode(mti[1] as string);
}

/**
 * ISO 8583:1987's 2-character response codes that approve, for the full or a partial amount: `00` approved, `08`
 * honour with identification, `10` approved for partial amount, `11` approved (VIP), `16` approved, update track 3.
 */
const APPROVAL_CLASS_1987: readonly string[] = Object.freeze(['00', '08', '10', '11', '16']);

/**
 * Whether an answer with this response code (field 39 as decoded: a string) moved money, so that an answer its client
 * never got must be reversed: one of the dialect's approval codes ({@link isApproved}), or a code of the standard's
 * approval class in the edition the answer's codes are of: ISO 8583:1993's `0xx` action codes (`000`-`099`: `001`
 * honour with identification, `002` partial, `003` VIP, ...), and a 2-character code in a 1993 answer read as the 1987
 * response code it is (a network on 1993 MTIs whose field 39 kept 2 characters); ISO 8583:1987's `00`, `08`, `10`
 * (partial), `11` (VIP) and `16`, also written in 3 digits where the dialect's field 39 has 3 (`010` in SmartVista's;
 * `051`, `096` are declines there, as `51`, `96`); a dialect's `approvalClass`, when it has one, in place of the
 * standard's; and a code of 4 characters of the 2003 edition's approval class (`0xxx`: `0000`, `0002` partial, `0003`
 * VIP, ...) under a dialect whose field 39 has 4 fixed characters (jPOS CMF's `n 4`: sr69q #1-#3) and that names
 * no `approvalClass` or an empty one; a private network whose `0xxx` holds declines names its class (sr69m #1: a flow's verdict and an
 * overtaken reversal read "approved" as "nothing to reverse").
 * Stats, accounting and transaction records keep calling "approved" only the dialect's codes
 * ({@link isApproved}); this is for undoing what the client never learned of.
 *
 * `mti`: the MTI of the answer (or of the request it answers: the version digit is the same), 4 characters. Given, it
 * says the edition, as it does for the codes written (`responseCodeFor`, `responseCodeIn`: a 1xxx MTI carries 1993
 * action codes, any other 1987 codes): `002` in the answer to a 1100 is a partial approval in a 1987 dialect whose
 * field 39 has 3 digits too, `051` in the answer to a 0200 a decline in a 1993 dialect. Default: none, the dialect's
 * `version` says it (a dialect whose answers carry both editions' MTIs should give it). A network whose hosts answer
 * the other edition's MTIs in the dialect's own codes names its `approvalClass`.
 */
export function isApprovalClass(dialect: ApprovalDialect & Pick<Dialect, 'version' | 'approvalClass'>, responseCode: unknown, mti?: string): boolean {
  if (isApproved(dialect, responseCode)) return true;
  if (typeof responseCode !== 'string') return false;
  // A network whose codes depart from the standard's (its `11`, or its `0051`, a decline) names its own class.
  const own = dialect.approvalClass;
  if (own !== undefined && own.length > 0) return own.includes(responseCode);
  // The 2003 edition (a fixed 4-character field 39) approves with its whole 0xxx class, an empty approvalClass too; a
  // dialect of another width reads a 4-character code by its own edition (`0005` in a 1987 answer: no approval).
  if (responseCode.length === 4 && responseCode.charCodeAt(0) === 0x30 && speaksFourCharacterCodes(dialect)) return true;
  if (own !== undefined) return false;
  // Read as written: responseCodeFor writes 1987 codes for every MTI but a 1xxx one (a 2xxx too).
  const edition = typeof mti === 'string' && mti.length === 4 ? (carriesActionCodes(mti) ? '1993' : '1987') : dialectVersion(dialect);
  // A 1993 action code has 3 digits; a 2-character code in a 1993 answer (a network on 1993 MTIs that kept the 1987
  // response codes in an `an 2` field 39) is a 1987 response code, and its `10` a partial approval that moved money.
  if (edition === '1993' && responseCode.length !== 2) return /^0\d\d$/.test(responseCode);
  const code = responseCode.length === 3 && responseCode.charCodeAt(0) === 0x30 ? responseCode.slice(1) : responseCode;
  return APPROVAL_CLASS_1987.includes(code);
}

/** The code a party answering under `dialect` approves with: the first of its approval codes. */
export function approvalCode(dialect: ApprovalDialect): string {
  return approvalCodesOf(dialect)[0]!;
}
