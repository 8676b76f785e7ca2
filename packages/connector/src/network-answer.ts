/**
 * The answer to a network management request the host initiates (its 0800 or 1804): the response MTI, the request's
 * fields echoed (11, the STAN, and 70 or 24, the code, among them), field 7 the time of the answer's own transmission
 * (each message carries its own), and 39 the code that accepts it. A dialect may leave fields out and add a retrieval
 * reference number in 37 (`DialectNetworkManagement.answer`; SmartVista: 24 and 42 out, 37 in, as SocketQueue answered).
 */
import { randomInt } from 'node:crypto';
import type { DialectNetworkManagement, IsoMessage } from '@iso8583/codec';
import { transmissionTime } from './auto-fill.js';

/** Field 37 of an answer the connector makes itself: 12 digits, as SocketQueue's (`randomString(12, 1)`). */
function retrievalReference(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0') + String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** The answer to the host's network management `request`: `mti`, the fields echoed, 7 now, 39 `code`. */
export function networkAnswer(request: IsoMessage, mti: string, code: string, shape: DialectNetworkManagement['answer'], now = new Date()): IsoMessage {
  const reply: IsoMessage = { ...request, '0': mti, '7': transmissionTime(now), '39': code };
  for (const id of shape?.omit ?? []) delete reply[id];
  if (shape?.retrievalReference === true) reply['37'] = retrievalReference();
  return reply;
}
