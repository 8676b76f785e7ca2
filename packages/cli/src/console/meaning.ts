/**
 * What some values mean, for the workbench: the MTI read digit by digit (version, class, function, origin), the
 * response code (field 39) of ISO 8583:1987 or the ISO 8583:1993 action code (response-codes.ts, in the edition the
 * message's MTI says, as the codec reads it), the transaction type of the processing code (field 3) and the network
 * management code (field 70). Only the common values: anything else has no meaning shown.
 */
import { dialectVersion, responseCodeFor } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';
import { ACTION_CODES_1993, RESPONSE_CODES } from './response-codes.js';

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
 * the 1987 codes); a 3-character one is, under a 1993 MTI, the ISO 8583:1993 action code it is (response-codes.ts),
 * else the 1987 code written in 3 digits (`051`: SmartVista's).
 */
function responseCodeMeaning(value: string, dialect: Pick<Dialect, 'version'>, mti: string | undefined): string | undefined {
  if (value.length === 2) return RESPONSE_CODES[value];
  if (value.length !== 3) return undefined;
  if (actionCodesIn(dialect, mti)) return ACTION_CODES_1993[value];
  return value[0] === '0' ? RESPONSE_CODES[value.slice(1)] : undefined;
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
