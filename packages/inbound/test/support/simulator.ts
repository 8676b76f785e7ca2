// Asking the host simulator directly (no socket): a message as the endpoint hands it over, and 1987 requests whose
// keys (7, 32, 41) a reversal's field 90 can name.
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import type { HostSimulator, InboundMessage, SequenceContext } from '../../src/index.js';

export const VISA = '4111111111111111';

/** Field 7 of every request made by {@link tx}. */
export const TRANSMISSION = '1121103000';

export function message(fields: IsoMessage): InboundMessage {
  return { fields, mti: fields['0'] as string, xml: '', raw: Buffer.alloc(0), header: Buffer.alloc(0) };
}

export async function ask(host: HostSimulator, fields: IsoMessage, context: Partial<SequenceContext> = {}): Promise<MessageInput | undefined> {
  return (await host(message(fields), context as SequenceContext)) as MessageInput | undefined;
}

/** A request or advice `mti` for `amount` minor units on {@link VISA}, from terminal TERM0001 of acquirer 123456. */
export function tx(mti: string, stan: string, amount: number, overrides: IsoMessage = {}): IsoMessage {
  return {
    0: mti, 2: VISA, 3: '000000', 4: String(amount).padStart(12, '0'), 7: TRANSMISSION, 11: stan,
    32: '123456', 41: 'TERM0001', 49: '840', ...overrides,
  };
}

/** Field 90 naming an original made by {@link tx}: MTI, STAN, transmission date and time, acquirer (11 digits). */
export function original(mti: string, stan: string): string {
  return `${mti}${stan}${TRANSMISSION}${'123456'.padStart(11, '0')}${'0'.repeat(11)}`;
}
