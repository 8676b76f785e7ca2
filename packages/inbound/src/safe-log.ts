import { maskPan } from '@iso8583/codec';
import { codeOf } from './errors.js';

/**
 * The text of an error thrown by user code (a sequence), fit for a log line: digit runs that could be a PAN are
 * masked (first 6 and last 4 shown), and what follows a track 2 separator is hidden. The endpoint's own errors never
 * contain values; a sequence's may.
 */
export function scrub(text: string): string {
  return text.replace(/\d{12,19}[=D]\d*/g, (m) => `${maskPan(m.slice(0, m.search(/[=D]/)))}=***`).replace(/\d{12,}/g, maskPan);
}

/** An error as a log field: its code, name and scrubbed message (never its stack's values). */
export function errorForLog(err: unknown): { code: string; name: string; message: string } {
  const name = err instanceof Error ? err.name : typeof err;
  const message = err instanceof Error ? err.message : String(err);
  return { code: codeOf(err), name, message: scrub(message) };
}
