/**
 * The financial request (purchase) that the load generator sends, in the edition of its dialect (0200 under
 * ISO 8583:1987, 1200 under 1993): one terminal (field 41) per client, the STAN (field 11) cycling 000001-999999 per
 * terminal, test card numbers only.
 */
import type { DialectVersion, MessageInput } from '@iso8583/codec';

/** Test card numbers (Visa, Mastercard and Visa test ranges): never a real card. */
export const TEST_PANS: readonly string[] = ['4111111111111111', '5500000000000004', '4761739001010010'];

/** The largest STAN: field 11 is n6, so it wraps from 999999 back to 000001. */
export const MAX_STAN = 999999;

/** The terminal id (field 41, ans 8) of load client `index` (0-based): `LD000001`, `LD000002`, ... */
export function terminalId(index: number): string {
  return `LD${String(index + 1).padStart(6, '0')}`;
}

/** The STAN after `stan`, cycling 1..999999. */
export function nextStan(stan: number): number {
  return stan >= MAX_STAN ? 1 : stan + 1;
}

/** Field 24 of a 1993 financial request: the function code of an original request (ISO 8583:1993 table). */
const FUNCTION_CODE_PURCHASE = '200';

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** The MTI of the purchase in each edition: the financial request, 0200 (1987) or 1200 (1993). */
export function purchaseMti(version: DialectVersion): string {
  return version === '1993' ? '1200' : '0200';
}

/**
 * A purchase from terminal `terminal` with STAN `stan`, in the edition `version` (default 1987). `sequence` picks the
 * card and the amount, so a run spreads over the test cards and amounts from 1.00 to 99.99. Times are UTC (field 7
 * transmission date and time; field 12 the terminal's local time, with field 13 its date, under 1987, and its date
 * and time, YYMMDDhhmmss, under 1993). The 1987 request also carries the POS entry mode (22) and condition code (25);
 * those numbers mean other things under 1993 (the POS data code, the message reason code) and are left out there;
 * the 1993 request carries the function code (24) of an original request, 200, as the connector's own 1993 messages
 * carry theirs.
 */
export function purchaseRequest(
  terminal: string,
  stan: number,
  sequence: number,
  now = new Date(),
  version: DialectVersion = '1987',
): MessageInput {
  const mmdd = `${two(now.getUTCMonth() + 1)}${two(now.getUTCDate())}`;
  const hhmmss = `${two(now.getUTCHours())}${two(now.getUTCMinutes())}${two(now.getUTCSeconds())}`;
  const pan = TEST_PANS[sequence % TEST_PANS.length] as string;
  const amount = 100 + ((sequence * 7919) % 9900);
  const common = {
    '2': pan,
    '3': '000000',
    '4': String(amount).padStart(12, '0'),
    '7': `${mmdd}${hhmmss}`,
    '11': String(stan).padStart(6, '0'),
  };
  const tail = { '14': '3012', '41': terminal, '42': 'LOADTEST0000001', '49': '840' };
  if (version === '1993') {
    return { '0': purchaseMti(version), ...common, '12': `${two(now.getUTCFullYear() % 100)}${mmdd}${hhmmss}`, '24': FUNCTION_CODE_PURCHASE, ...tail };
  }
  return { '0': purchaseMti(version), ...common, '12': hhmmss, '13': mmdd, ...tail, '22': '012', '25': '00' };
}
