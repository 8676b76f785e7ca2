/**
 * Matching a response to its request. The key is the response MTI (field `"0"` of the match key) and the values of
 * the other match-key fields (default 11 STAN and 41 card acceptor terminal id) as they travel on the wire. The key of
 * a transaction (STAN and terminal, wire values too) that reversals, repeats and upstream groups go by lives here.
 */
import { cardDataFields, responseMti } from '@iso8583/codec';
import type { Dialect, FieldSpec, IsoMessage, MessageInput } from '@iso8583/codec';
import { connectorError } from './errors.js';

/**
 * The MTI of the response to a request MTI: the codec's one rule (jPOS `setResponseMTI`), kept exported here for
 * compatibility. `undefined` when no response is due.
 */
export { responseMti };

/**
 * True for a repeat (MTI fourth digit, the message origin, odd: 0201, 0401, 0221, 0203 ...): of one transaction with
 * the requests before it under its key.
 */
export function isRepeatMti(mti: string): boolean {
  return (mti.charCodeAt(3) - 48) % 2 === 1;
}

/** True for an MTI whose message function (third digit) is a request, advice or notification (even: 0, 2, 4). */
export function isRequestMti(mti: string): boolean {
  const fn = mti.charCodeAt(2) - 48;
  return fn >= 0 && fn <= 8 && fn % 2 === 0;
}

/** An MTI as given in a message object, as text: a number padded to four digits (`200` is `"0200"`), else `""`. */
export function mtiText(mti: unknown): string {
  return typeof mti === 'string' ? mti : typeof mti === 'number' ? String(mti).padStart(4, '0') : '';
}

/**
 * An MTI as given (`mti`, field 0 of a caller's message) for an error's text and context, a label or a log: its
 * {@link mtiText} when that is four digits, else `invalid` (a caller's field 0 may be anything, even card data). The
 * one home for naming a caller's MTI anywhere it may be read.
 */
export function mtiNamed(mti: unknown): string {
  const text = mtiText(mti);
  return /^\d{4}$/.test(text) ? text : 'invalid';
}

/** A field's value in a message object as text: a string as it is, a number in decimal, anything else `undefined`. */
export function fieldText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/**
 * A field of a message object as the dialect puts it on the wire (a fixed-length field padded, {@link wireValue}):
 * `"0"`, `0` and `"000000"` are one processing code of an `n 6` field 3, and `2000` is `"002000"` (a purchase, not a
 * refund). The one home for reading a field the caller wrote as the bank will see it: routing rules, the amounts (a
 * refund), SocketQueue's figures. `undefined` when absent (or a composite).
 */
export function wireField(dialect: Pick<Dialect, 'fields'>, message: MessageInput, field: string): string | undefined {
  const text = fieldText(message[field]);
  return text === undefined ? undefined : wireValue(dialect.fields[field], text);
}

/**
 * The key of a transaction by its STAN (field 11) and terminal (field 41), each as the dialect puts it on the wire:
 * `'9201'`, `9201` and `'009201'` are one STAN of an `n 6` field 11, `'T1'` and `'T1      '` one terminal of an
 * `ans 8` field 41. A reversal carries the original's fields padded so (`buildReversal`), so an original, its repeat
 * and its reversal have one key however the caller wrote them. An absent value (or a composite) counts as empty.
 */
export function transactionKey(dialect: Pick<Dialect, 'fields'>, stan: unknown, terminal: unknown): string {
  const s = fieldText(stan);
  const t = fieldText(terminal);
  return `${s === undefined ? '' : wireValue(dialect.fields['11'], s)}|${t === undefined ? '' : wireValue(dialect.fields['41'], t)}`;
}

/** A timed-out request's STAN and terminal (late-keys.ts `SentAmount`: fields 11 and 41 as the caller gave them). */
interface TransactionOf {
  readonly stan?: MessageInput[string];
  readonly terminal?: MessageInput[string];
}

/**
 * A late answer `answer` as the reversals judge it (reversal-overtaken.ts, a shared journal's look-up: both go by
 * {@link transactionKey}): with the STAN and terminal of the timed-out request it answers (`sent`, fields 11 and 41 as
 * that request gave them, the late keys tied the two) where it lacks them, as the dialect puts them on the wire. A bank
 * that echoes no field 41 (a `matchKey` of `["0", "11"]`) then still has its late approval of a booking whose reversal
 * undid nothing (`25`) reversed again. `answer` itself when it lacks neither (or `sent` has neither).
 */
export function withRequestTransaction(dialect: Pick<Dialect, 'fields'>, answer: IsoMessage, sent: TransactionOf): IsoMessage {
  const stan = answer['11'] === undefined ? wireField(dialect, { '11': sent.stan }, '11') : undefined;
  const terminal = answer['41'] === undefined ? wireField(dialect, { '41': sent.terminal }, '41') : undefined;
  if (stan === undefined && terminal === undefined) return answer;
  const out: IsoMessage = { ...answer };
  if (stan !== undefined) out['11'] = stan;
  if (terminal !== undefined) out['41'] = terminal;
  return out;
}

/**
 * True when requests `a` and `b` sent the same STAN and terminal (fields 11 and 41; absent alike) as the dialect puts
 * them on the wire ({@link transactionKey}): a caller's `'T1'` and STAN `1` are its reversal's `'T1      '` and `'000001'`.
 */
export function sameStanAndTerminal(dialect: Pick<Dialect, 'fields'>, a: TransactionOf, b: TransactionOf): boolean {
  return transactionKey(dialect, a.stan, a.terminal) === transactionKey(dialect, b.stan, b.terminal);
}

/**
 * `sent` as a late answer's timed-out request, with its STAN and terminal (what {@link withRequestTransaction} fills)
 * only when `certain` (the late answer echoes its field 7, or it is the only transaction under the key): never a guess
 * between two terminals' requests of one STAN (a 0401 for the wrong terminal, none for the right one).
 */
export function tied<T extends TransactionOf>(sent: T, certain: boolean): T {
  if (certain) return sent;
  const { stan: _stan, terminal: _terminal, ...untied } = sent;
  return untied as T;
}

/**
 * The STAN of the original a reversal, an advice or a repeat names: that of its original data elements when given
 * (field 90 of a 1987 message, field 56 of a 1993 one, MTI `1xxx`, where 90 is a count: MTI (4) then STAN (6)), else
 * its own field 11. With its field 41, the original's {@link transactionKey}.
 */
export function originalStanOf(message: MessageInput): unknown {
  const data = fieldText(message[mtiText(message['0'])[0] === '1' ? '56' : '90']);
  return data !== undefined && data.length >= 10 ? data.slice(4, 10) : message['11'];
}

/** A value as the dialect puts it on the wire for a fixed-length text or numeric field (padding applied). */
export function wireValue(spec: FieldSpec | undefined, value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : String(value);
  if (spec === undefined || spec.prefix !== undefined || text.length >= spec.length) return text;
  if (spec.type === 'b' || spec.type === 'z') return text;
  const pad = spec.pad ?? (spec.type === 'n' || spec.type === 'xn' ? { side: 'left', char: '0' } : { side: 'right', char: ' ' });
  return pad.side === 'left' ? text.padStart(spec.length, pad.char) : text.padEnd(spec.length, pad.char);
}

/**
 * Builds match keys for one dialect and one list of key fields. A key is looked up in the pending requests of the
 * connection the response came on (`Channel.pending`): keys are unique per connection, not per connector.
 */
export class MatchKey {
  private readonly specs: (FieldSpec | undefined)[];
  private readonly timeSpec: FieldSpec | undefined;
  /**
   * True when the key names field 0: a key that finds a request then finds only answers of its response MTI, so
   * {@link answersMti} need not be asked on the read loop.
   */
  readonly keysMti: boolean;

  constructor(
    readonly fields: readonly string[],
    readonly dialect: Dialect,
  ) {
    this.specs = fields.map((f) => dialect.fields[f]);
    this.timeSpec = dialect.fields['7'];
    this.keysMti = fields.includes('0');
  }

  /**
   * A request's field 7 (transmission date and time) as it goes on the wire: the value its answer echoes, which tells
   * the answer to a request in flight from the late answer of a timed-out request under the same key (a key reused
   * after a timeout, `Channel`). `undefined` when absent.
   */
  echoOf(message: MessageInput): string | undefined {
    const text = fieldText(message['7']);
    return text === undefined ? undefined : wireValue(this.timeSpec, text);
  }

  /**
   * The key a request's response will carry (its MTI replaced by the response MTI). A message whose MTI expects no
   * answer (a response such as 0210 or 0410, an acknowledgement, a reserved origin: the codec's `responseMti`) is
   * refused here, before anything is held or written, with `ISO8583_ERR_CONNECTOR_INPUT` naming field 0: held under a
   * key nothing answers, it would wait out the whole timeout and keep the key of its STAN and terminal from the real
   * request (`DUPLICATE_KEY`), or its terminal's turn in the terminal queue.
   */
  ofRequest(message: MessageInput): string {
    const mti = mtiText(message['0']);
    const answer = responseMti(mti);
    if (answer === undefined) throw noAnswerDue(mti);
    let key = '';
    for (let i = 0; i < this.fields.length; i++) {
      const field = this.fields[i] as string;
      if (field === '0') key += answer;
      else key += wireValue(this.specs[i], message[field]);
      key += '|';
    }
    return key;
  }

  /**
   * The key of a received message. An answer whose origin names a repeat (`0411` for a `0401`, `0431` for a `0421`: some
   * hosts echo the request's repeat digit, where the standard and jPOS answer `0410`, `0430`) is keyed as the standard
   * answer, so it still matches its request.
   */
  ofResponse(message: IsoMessage): string {
    // One flat string (`join`), not a chain of `+=` concatenations: the answers ring (late-keys.ts) keeps each answer's
    // key for its 4096 answers, so every object of it is promoted to old space. The same text.
    const parts: string[] = [];
    for (const field of this.fields) {
      const value = message[field];
      parts.push(typeof value !== 'string' ? '' : field === '0' ? answerOfRepeat(value) : value);
    }
    parts.push('');
    return parts.join('|');
  }
}

/**
 * True when `answer` (a received message's field 0) is of the response MTI of the request MTI `request`: the MTI part
 * of a match key, as {@link MatchKey} compares it (`0210` or `0211` to a `0200` or `0201`, `0410` or `0411` to a
 * `0401`). The one rule for a `matchKey` without field `"0"`, whose keys do not tell the classes apart: an `0810` or a
 * `0410` under a `0200`'s STAN and terminal is no answer to it (the channel, late SAF answers). False when no answer is
 * due to `request`.
 */
export function answersMti(request: string, answer: unknown): boolean {
  return typeof answer === 'string' && answerOfRepeat(answer) === responseMti(request);
}

/**
 * The refusal of a request whose MTI (`text`, as given) expects no answer. The MTI is named only when it is 4 digits:
 * a caller's field 0 may be anything, even card data.
 */
function noAnswerDue(text: string): Error {
  const mti = mtiNamed(text);
  return connectorError('ISO8583_ERR_CONNECTOR_INPUT', `the ${mti === 'invalid' ? 'message' : mti} expects no answer: it is not sent (a request is answered; a response or an acknowledgement is not)`, { mti, field: '0' });
}

/** An answer MTI (odd function digit) with a repeat origin (1, 3, 5) as the standard answer (origin 0, 2, 4); any other as it is. */
export function answerOfRepeat(mti: string): string {
  if (mti.length !== 4) return mti;
  const fn = mti.charCodeAt(2) - 48;
  const origin = mti.charCodeAt(3) - 48;
  return fn >= 0 && fn <= 9 && fn % 2 === 1 && (origin === 1 || origin === 3 || origin === 5) ? mti.slice(0, 3) + String(origin - 1) : mti;
}

/**
 * Fields a response carries and its request does not: 38 (authorisation identification response) and 39 (response
 * code), set by the host in its answer. A match key naming one keys every request alike (the field absent), so the
 * second request in flight is refused `DUPLICATE_KEY` and the first never matches its answer (a timeout).
 */
export const RESPONSE_ONLY_FIELDS: readonly string[] = ['38', '39'];

/**
 * The problems of a `matchKey` option with `dialect` (reasons, empty when it is good): a field the dialect does not
 * define (`"0"` stands for the response MTI), a field only a response carries ({@link RESPONSE_ONLY_FIELDS}), or a
 * field of card data (the codec's `cardDataFields`: 2, 34, 35, 36, 45, 52, 53, 55 and the fields the dialect marks
 * sensitive): a key outlives its request (the late-answer and answered-key memories of each connection, late SAF
 * answers), so a PAN or a track in it would be kept long after the transaction. A field named twice is the schema's (`uniqueItems` in connector-manifest.json). Never
 * a value: only field numbers.
 */
export function matchKeyProblems(fields: readonly string[], dialect: Dialect): string[] {
  const problems: string[] = [];
  const cardData = cardDataFields(dialect);
  for (const field of fields) {
    if (RESPONSE_ONLY_FIELDS.includes(field)) problems.push(`must not name field ${field}: only the host's answer carries it, so every request would have one key`);
    else if (cardData.has(field)) problems.push(`must not name field ${field}: it carries card data, which must not be a match key (keys are kept after their requests end)`);
    else if (field !== '0' && dialect.fields[field] === undefined) problems.push(`must name fields of the dialect: ${field} is not one ("0" stands for the response MTI)`);
  }
  return problems;
}
