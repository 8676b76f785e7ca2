/**
 * The 0200 financial request (purchase) that the load generator sends: one terminal (field 41) per client, the STAN
 * (field 11) cycling 000001-999999 per terminal, test card numbers only.
 */
import type { MessageInput } from '@iso8583/codec';

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

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * A 0200 purchase from terminal `terminal` with STAN `stan`. `sequence` picks the card and the amount, so a run
 * spreads over the test cards and amounts from 1.00 to 99.99. Times are UTC (field 7 transmission date and time,
 * fields 12/13 local time and date of the terminal).
 */
export function purchaseRequest(terminal: string, stan: number, sequence: number, now = new Date()): MessageInput {
  const mmdd = `${two(now.getUTCMonth() + 1)}${two(now.getUTCDate())}`;
  const hhmmss = `${two(now.getUTCHours())}${two(now.getUTCMinutes())}${two(now.getUTCSeconds())}`;
  const pan = TEST_PANS[sequence % TEST_PANS.length] as string;
  const amount = 100 + ((sequence * 7919) % 9900);
  return {
    '0': '0200',
    '2': pan,
    '3': '000000',
    '4': String(amount).padStart(12, '0'),
    '7': `${mmdd}${hhmmss}`,
    '11': String(stan).padStart(6, '0'),
    '12': hhmmss,
    '13': mmdd,
    '14': '3012',
    '22': '012',
    '25': '00',
    '41': terminal,
    '42': 'LOADTEST0000001',
    '49': '840',
  };
}
