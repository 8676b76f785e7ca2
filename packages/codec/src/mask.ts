import type { IsoMessage } from './types.js';

/** The non-sensitive keys of a message for a log line: MTI, STAN (11), terminal (41), response code (39). */
export interface MessageSummary {
  mti?: string;
  stan?: string;
  terminal?: string;
  responseCode?: string;
}

/** The PAN shown as first 6 + last 4 digits (`411111******1111`). */
export function maskPan(pan: string): string {
  return pan.length <= 10 ? '*'.repeat(pan.length) : pan.slice(0, 6) + '*'.repeat(pan.length - 10) + pan.slice(-4);
}

/** The keys of a message that are safe to log. */
export function summarize(message: IsoMessage): MessageSummary {
  const out: MessageSummary = {};
  if (typeof message['0'] === 'string') out.mti = message['0'];
  if (typeof message['11'] === 'string') out.stan = message['11'];
  if (typeof message['41'] === 'string') out.terminal = message['41'];
  if (typeof message['39'] === 'string') out.responseCode = message['39'];
  return out;
}
