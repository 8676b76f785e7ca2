/**
 * What a flow's book (message-answers.ts) keeps of each answer a sequence got: the request as sent and the answer
 * (`Answered`), and what is read of them: the original a reversal names, the key of a repeat, whether it answers a
 * reversible request.
 */
import { readMessage } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import type { Connector } from '@iso8583/connector';
import { isReversible } from '@iso8583/connector';

/**
 * What a sequence sent, as the book keeps it: the message's fields taken as the request was sent (a copy: what the
 * sequence does with its message object afterwards, such as reusing it for the next request, changes nothing here),
 * or the XML or JSON text it sent (read when a reversal is built); and the answer of the upstream that answered it
 * (a copy taken as it came, before the sequence had it).
 */
export interface Answered {
  readonly sent: IsoMessage | string;
  readonly answer: IsoMessage;
  readonly upstream: Connector;
  /** The STAN (11) and transmission time (7) of the request as its connector sent it (`autoFill`), when it told them. */
  readonly filled?: FilledFields;
}

/** The fields a connector fills in a request it sends (`autoFill`): what a reversal's original data elements name. */
export type FilledFields = Readonly<Partial<Record<'11' | '7', string>>>;

/**
 * Fields 11 and 7 of `request` (the request as its connector sent it, `answeredBy`'s third argument), read at once:
 * `undefined` when there is none, or it cannot be read.
 */
export function filledOf(request: unknown): FilledFields | undefined {
  if (request === null || typeof request !== 'object') return undefined;
  try {
    const r = request as Record<string, unknown>;
    const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
    const stan = text(r['11']);
    const time = text(r['7']);
    return { ...(stan === undefined ? {} : { '11': stan }), ...(time === undefined ? {} : { '7': time }) };
  } catch {
    return undefined;
  }
}

/** Whether `answer` (as its upstream's codec read it: a 4-digit MTI) answers a reversible request (x110, x210). */
export function answersReversible(answer: IsoMessage): boolean {
  const mti = String(answer['0'] ?? '');
  return mti[2] === '1' && isReversible(mti.slice(0, 2) + '00');
}

/** A message's fields copied, composite fields (a nested object) too: values are strings, numbers, bigints or objects. */
function copied(message: IsoMessage): IsoMessage {
  const out: IsoMessage = {};
  for (const f of Object.keys(message)) {
    const v = message[f] as IsoMessage[string];
    out[f] = v !== null && typeof v === 'object' ? copied(v) : v;
  }
  return out;
}

/**
 * What a reversal needs of a request a sequence sends (`request`, `sendMessage`, `relay`: `relayed`, its decoded view),
 * taken as it is sent: the fields copied, or the text as it is (a string does not change). Something that is not a
 * message (the connector refuses it: no answer, never in a book), or cannot be copied, is kept as it was given.
 */
export function sentOf(sent: unknown, relayed: boolean): IsoMessage | string {
  try {
    const message: unknown = relayed ? (sent as { message?: unknown } | null)?.message : sent;
    if (typeof message === 'string') return message;
    if (message !== null && typeof message === 'object') return copied(message as IsoMessage);
  } catch {
    // A getter that throws, a revoked Proxy: the connector fails it as it reads it.
  }
  return sent as IsoMessage;
}

/**
 * The request a reversal names: the message sent, with the fields its connector filled in (11, 7) as the connector
 * told them (the request as sent), else as the answer echoes them.
 */
export function originalOf(one: Answered): IsoMessage {
  const { sent, answer, filled } = one;
  const original: IsoMessage = typeof sent === 'string' ? (readMessage(sent).message as IsoMessage) : { ...sent };
  for (const f of ['11', '7'] as const) {
    if (original[f] != null) continue;
    const told = filled?.[f];
    if (told != null) original[f] = told;
    else if (answer[f] != null) original[f] = answer[f];
  }
  return original;
}

/**
 * What makes two requests the same at the bank, for `repeatOf`: the STAN and terminal (11, 41), the amount (4) and the
 * MTI but its last digit (`0200` and its repeat `0201` alike); `undefined` without 11 or 41.
 */
export function requestKey(m: IsoMessage | undefined): string | undefined {
  if (m?.['11'] === undefined || m['41'] === undefined) return undefined;
  return [m['11'], m['41'], m['4'] ?? '', String(m['0'] ?? '').padStart(4, '0').slice(0, 3)].map(String).join('\u0000');
}


/**
 * The fields of the terminal's answer that, beside 39 and 38, tell which approval it relays when several share those
 * two (two banks' `123456`, a bank that gives every approval the same code): the bank's retrieval reference (37), the
 * STAN (11), the amount (4) and the transmission time (7), in that order.
 */
const TOLD_BY = ['37', '11', '4', '7'] as const;

/**
 * Of `candidates` (the approvals whose fields 39 and 38 are those of `reply`, the terminal's answer), those it may
 * relay: narrowed by each field of {@link TOLD_BY} that `reply` carries to the candidates whose answer carries it
 * the same (as text), when at least one does (a field none matches, such as the terminal's own STAN, narrows
 * nothing). More than one left: the answer does not tell them apart. Throws when a field's getter throws.
 */
export function toldAmong(candidates: readonly Answered[], reply: Readonly<Record<string, unknown>> | undefined): Answered[] {
  let left = [...candidates];
  for (const f of TOLD_BY) {
    const v = reply?.[f];
    if (left.length <= 1) break;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') continue;
    const same = left.filter((one) => { const a = one.answer[f]; return (typeof a === 'string' || typeof a === 'number' || typeof a === 'bigint') && String(a) === String(v); });
    if (same.length > 0) left = same;
  }
  return left;
}
