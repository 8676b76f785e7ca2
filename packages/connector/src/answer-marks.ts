/**
 * How the late keys (late-keys.ts) tell the host's copy of an answer from another answer without keeping the answer:
 * an answer in time by its mark (a few fields, no card data), a late answer without field 7 by a keyed digest of its
 * whole content.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IsoMessage } from '@iso8583/codec';

/** The key of this process's answer digests: a digest of an answer (card data among its fields) is no look-up table. */
const DIGEST_KEY = randomBytes(32);

/** The fields of `message`, nested ones too, in field order: two messages with the same content give the same text. */
function canonical(message: IsoMessage): string {
  const fields = Object.keys(message).sort();
  return `{${fields.map((f) => { const v = message[f]!; return `${JSON.stringify(f)}:${typeof v === 'string' ? JSON.stringify(v) : canonical(v)}`; }).join(',')}}`;
}

/**
 * A digest of the whole content of `message` (HMAC-SHA-256 under a key of this process: card data enters the hash
 * only, never the memory, and the digest is no look-up table): the host's copy of an answer is the same, field for
 * field; another request's answer differs (its amount, its retrieval reference).
 */
export function digestOf(message: IsoMessage): string {
  return createHmac('sha256', DIGEST_KEY).update(canonical(message)).digest('base64');
}

/**
 * The fields in which the host's answers to two transmissions under one key differ when they are two bookings, not one
 * answer and its copy: the message type, the response and approval codes, the retrieval reference and the amount with
 * its currency. Kept for every answer in time (the matching path: a few reads, no hash of every field).
 */
export const ANSWER_MARK_FIELDS = ['0', '4', '37', '38', '39', '49'] as const;

/** An answer in time as late-keys.ts `copyOfAnswer` compares it: its {@link ANSWER_MARK_FIELDS} (no card data). */
export function answerMark(message: IsoMessage): string {
  // One flat string (`join`): `+=` made a chain of concatenations, five or so objects an answer that the answers ring
  // keeps for its 4096 answers, each promoted to old space (the gateway cost guard's promoted bytes). The same text.
  const parts: string[] = [];
  for (const field of ANSWER_MARK_FIELDS) {
    const value = message[field];
    parts.push(typeof value === 'string' ? value : value === undefined ? '' : canonical(value));
  }
  parts.push('');
  return parts.join('|');
}
