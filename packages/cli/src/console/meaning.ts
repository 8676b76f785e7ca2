/**
 * What some values mean, for the workbench: the MTI read digit by digit (version, class, function, origin), the
 * response code (field 39) of ISO 8583:1987 (or the ISO 8583:1993 action code it is written as, in the edition the
 * message's MTI says, as the codec reads it), the transaction type of the processing code (field 3) and the network
 * management code (field 70). Only the common values: anything else has no meaning shown.
 */
import { ACTION_CODE_SYSTEM_MALFUNCTION, dialectVersion, responseCodeFor } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';

const VERSION: Record<string, string> = { '0': 'ISO 8583:1987', '1': 'ISO 8583:1993', '2': 'ISO 8583:2003' };
const CLASS: Record<string, string> = {
  '1': 'authorization',
  '2': 'financial',
  '3': 'file action',
  '4': 'reversal/chargeback',
  '5': 'reconciliation',
  '6': 'administrative',
  '7': 'fee collection',
  '8': 'network management',
};
const FUNCTION: Record<string, string> = {
  '0': 'request',
  '1': 'request response',
  '2': 'advice',
  '3': 'advice response',
  '4': 'notification',
  '5': 'notification acknowledgement',
};
const ORIGIN: Record<string, string> = { '0': 'acquirer', '1': 'acquirer repeat', '2': 'issuer', '3': 'issuer repeat', '4': 'other', '5': 'other repeat' };

/** Response codes (field 39) of ISO 8583:1987, the common ones. */
export const RESPONSE_CODES: Readonly<Record<string, string>> = {
  '00': 'approved',
  '01': 'refer to card issuer',
  '03': 'invalid merchant',
  '04': 'pick up card',
  '05': 'do not honour',
  '06': 'error',
  '12': 'invalid transaction',
  '13': 'invalid amount',
  '14': 'invalid card number',
  '30': 'format error',
  '41': 'lost card, pick up',
  '43': 'stolen card, pick up',
  '51': 'insufficient funds',
  '54': 'expired card',
  '55': 'incorrect PIN',
  '57': 'transaction not permitted to cardholder',
  '58': 'transaction not permitted to terminal',
  '61': 'exceeds withdrawal amount limit',
  '65': 'exceeds withdrawal frequency limit',
  '68': 'response received too late',
  '91': 'issuer or switch inoperative',
  '94': 'duplicate transmission',
  '96': 'system malfunction',
};

const PROCESSING: Record<string, string> = {
  '00': 'goods and services (purchase)',
  '01': 'cash withdrawal',
  '09': 'purchase with cash back',
  '20': 'returns (refund)',
  '30': 'available funds inquiry',
  '31': 'balance inquiry',
  '40': 'cardholder accounts transfer',
};

const NETWORK: Record<string, string> = { '001': 'sign-on', '002': 'sign-off', '161': 'key change', '201': 'cutover', '301': 'echo test' };

/**
 * Whether field 39 of a message with MTI `mti` carries ISO 8583:1993 action codes, by the codec's one rule
 * (`responseCodeFor` writes a 1993 action code for such an MTI: a 1xxx one): the MTI's edition, not the dialect's;
 * without a 4-character MTI, the dialect's `version`.
 */
function actionCodesIn(dialect: Pick<Dialect, 'version'>, mti: string | undefined): boolean {
  if (typeof mti === 'string' && mti.length === 4) return responseCodeFor(mti, '00') !== '00';
  return dialectVersion(dialect) === '1993';
}

/**
 * The meaning of field 39 `value` of a message with MTI `mti` under `dialect`, read as the codec's `isApprovalClass`
 * reads it: a 2-character code is the ISO 8583:1987 response code it is (in a 1993 answer too: a network that kept
 * the 1987 codes); a 3-character one is, under a 1993 MTI, the action code the codec writes for a 1987 code
 * (`responseCodeFor`: `116` is 51's, `909` is 96's), else the 1987 code written in 3 digits (`051`: SmartVista's).
 */
function responseCodeMeaning(value: string, dialect: Pick<Dialect, 'version'>, mti: string | undefined): string | undefined {
  if (value.length === 2) return RESPONSE_CODES[value];
  if (value.length !== 3) return undefined;
  if (!actionCodesIn(dialect, mti)) return value[0] === '0' ? RESPONSE_CODES[value.slice(1)] : undefined;
  // Every code without an action code of its own is written 909: that one is 96's.
  if (value === ACTION_CODE_SYSTEM_MALFUNCTION) return RESPONSE_CODES['96'];
  const mtiOf = typeof mti === 'string' && mti.length === 4 ? mti : '1210';
  const codes = Object.keys(RESPONSE_CODES).filter((code) => responseCodeFor(mtiOf, code) === value);
  return codes.length === 1 ? RESPONSE_CODES[codes[0] as string] : undefined;
}

/**
 * The meaning of `value` in field `id` of a message with MTI `mti` (field 0, when it has one) under `dialect`, when it
 * is one of the common ones.
 */
export function meaningOf(id: string, value: string, dialect: Pick<Dialect, 'version'>, mti?: string): string | undefined {
  switch (id) {
    case '0': {
      if (!/^\d{4}$/.test(value)) return undefined;
      const parts = [VERSION[value[0] as string], CLASS[value[1] as string], FUNCTION[value[2] as string], ORIGIN[value[3] as string]];
      return parts.every((p) => p !== undefined) ? parts.join(', ') : undefined;
    }
    case '39':
      return responseCodeMeaning(value, dialect, mti);
    case '3':
      return PROCESSING[value.slice(0, 2)];
    case '70':
      return NETWORK[value];
    default:
      return undefined;
  }
}
