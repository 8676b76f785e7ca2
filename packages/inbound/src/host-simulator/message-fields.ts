/**
 * Reading a message's fields as text, and the reply that echoes them: what the host simulator (host-simulator.ts) and
 * its issuer (issuer.ts) build their answers from.
 */
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import { RESPONSE_ECHOED_FIELDS } from '@iso8583/codec';

/** The field's value when it is text. */
export function text(fields: IsoMessage, field: string): string | undefined {
  const value = fields[field];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The reply `mti` with the fields a response echoes (`RESPONSE_ECHOED_FIELDS` of the codec, the one rule: never track
 * data, PIN or EMV data) and the simulator's `extra` ones, those of them that `fields` holds as text.
 */
export function echo(fields: IsoMessage, mti: string, extra: readonly string[] = []): MessageInput {
  const reply: MessageInput = { 0: mti };
  for (const field of RESPONSE_ECHOED_FIELDS) {
    const value = fields[field];
    if (typeof value === 'string') reply[field] = value;
  }
  for (const field of extra) {
    const value = fields[field];
    if (typeof value === 'string') reply[field] = value;
  }
  return reply;
}

/**
 * Field 54 (additional amounts) of a balance inquiry: account type (positions 3-4 of field 3), amount type 02
 * (available balance), currency, `C` (credit) or `D` (debit: the balance is below zero, as an advice posted without
 * a balance check can leave it) and the balance's absolute value in 12 digits.
 */
export function additionalAmount(processing: string, currency: string, balance: number): string {
  return `${processing.slice(2, 4)}02${currency}${balance < 0 ? 'D' : 'C'}${String(Math.abs(balance)).padStart(12, '0')}`;
}
