/**
 * What a reversal carries: which requests are reversed, which of their fields a reversal copies (an allow-list, and
 * the sensitive fields it never copies) and how field 90 (ISO 8583:1993: 56, 24, 25) is made, as a plan compiled once
 * per connector ({@link ReversalPlan}) that builds the reversal message, or writes it straight as JSON text for the
 * journal (the same bytes `JSON.stringify` gives) without making the message object on the request's path.
 */
import { dialectVersion, inVersion, isKnownEdition, reversalMessageProblems, trackPan } from '@iso8583/codec';
import type { DialectVersion, Dialect, FieldSpec, IsoMessage, MessageInput } from '@iso8583/codec';
import { wireField, wireValue } from './match-key.js';
import { jsonString, plainJson } from './journal-record.js';
import { neverStoredFields } from './never-stored.js';
import { amountFieldsOf, amountKept, approvedAmountOf } from './reversal-amount.js';
import type { AmountKept } from './reversal-amount.js';

export type { AmountKept } from './reversal-amount.js';

export { REVERSAL_EXCLUDED_FIELDS } from './never-stored.js';

/**
 * The fields a reversal carries by default (besides the MTI, field 0), and so the only fields of a request that reach
 * the journal on disk: what a host needs to find and undo the original. PAN (2), processing code (3), amount (4),
 * transmission date and time (7), STAN (11), local time and date (12, 13), POS entry mode (22), acquiring institution
 * (32), retrieval reference number (37), terminal (41), merchant (42), currency (49), original data elements (90) and
 * replacement amounts (95). An allow-list, so that a field a network uses for secrets (field 48 carries the CVV2 in
 * some) never lands on disk unless named in `reversal.fields`.
 */
export const REVERSAL_FIELDS: readonly string[] = ['2', '3', '4', '7', '11', '12', '13', '22', '32', '37', '41', '42', '49', '90', '95'];

/**
 * True for the MTIs that are reversed when their outcome is unknown: authorisation and financial requests from the
 * acquirer, `0100` and `0200`, and their repeats `0101` and `0201`, and the same in ISO 8583:1993 (`1100`, `1200`,
 * `1101`, `1201`) (a repeat carries the same STAN and data as its
 * original: when its outcome is unknown, the transaction's is). Not advices (`0120`, `0220`: stored and forwarded,
 * not reversed), not responses, not messages originated by the issuer (`xxx2`, `xxx3`).
 */
export function isReversible(mti: string): boolean {
  return isKnownEdition(mti) && reversibleClass(mti);
}

/** Whether `mti`'s class, function and origin (digits 2-4) are a reversible request's: x100, x200, x101, x201. */
function reversibleClass(mti: string): boolean {
  return mti.length === 4 && (mti[1] === '1' || mti[1] === '2') && mti[2] === '0' && (mti[3] === '0' || mti[3] === '1');
}

/**
 * True for an MTI of a class that is reversed ({@link isReversible}: x100, x200 and their repeats) in an edition this
 * connector cannot reverse (codec `isKnownEdition` false: a version digit other than 0 and 1, that is ISO 8583:2003's
 * 2xxx, as jPOS CMF's 2100 and 2200, the reserved 3xxx-8xxx and the private 9xxx). With reversal on, such a request is
 * refused before anything is sent (request-outcome.ts): one whose outcome is unknown could never be reversed (rv68g).
 */
export function isUnreversibleEdition(mti: string): boolean {
  // The class first (character compares, it makes digits 2-4 digits), then a version digit that is a digit but no
  // known edition's: no regular expression on the request's path.
  return reversibleClass(mti) && mti[0] !== undefined && mti[0] >= '0' && mti[0] <= '9' && !isKnownEdition(mti);
}

/**
 * The one inquiry rule: whether `message`'s processing code (field 3, read as the wire has it in `dialect`, match-key.ts
 * `wireField`: `3000` and `'3000'` of an `n 6` field go as `003000`, a purchase) is an inquiry's (first digit `3`: `30`
 * available funds, `31` balance...): it moves no money. Such a request is not journaled nor reversed when its outcome
 * is unknown (request-sender.ts), and its approval is no undelivered approval (`movedMoney`). `false` without field 3.
 */
export function isInquiry(dialect: Pick<Dialect, 'fields'>, message: MessageInput): boolean {
  return wireField(dialect, message, '3')?.startsWith('3') === true;
}

function plain(value: MessageInput[string]): string | IsoMessage | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'object') {
    const out: IsoMessage = {};
    for (const [k, v] of Object.entries(value)) {
      const p = plain(v);
      if (p !== undefined) out[k] = p;
    }
    return out;
  }
  return String(value);
}

/**
 * The reversal of a request: its fields named in `fields` (default {@link REVERSAL_FIELDS}; never those of
 * {@link neverStoredFields}), the reversal MTI (`mti` in the edition of the original's MTI, the
 * dialect's when its first digit is neither 0 nor 1 or the dialect cannot carry that edition's reversal: 0420 is
 * sent as 1420 for a 1200), and field 90 = original MTI (4) + STAN (6) + transmission date and time (10) + acquiring (11) and
 * forwarding (11) institution ids; in 1993 (a 1xxx original) field 56 instead (see the module comment), with 24 and 25. The
 * original MTI of a repeat (`0201`) is that of the transaction (`0200`): the host keeps the transaction under it
 * whichever of the two reached it. (A {@link ReversalPlan} made once and applied to every request.) Given the host's
 * `answer` (an approval its client never got), field 4 is the amount the answer approved (see {@link approvedAmountOf}):
 * a partial approval is undone for what it moved, never for the amount requested.
 */
export function buildReversal(
  original: MessageInput,
  mti: string,
  dialect: Dialect,
  fields: readonly string[] = REVERSAL_FIELDS,
  answer?: MessageInput,
  kept?: (why: AmountKept) => void,
): IsoMessage {
  return new ReversalPlan(mti, dialect, fields).build(original, answer, kept);
}


/** A field the reversal reads from its original, with the dialect's spec (for its wire value: padding). */
interface Source {
  readonly field: string;
  readonly spec: FieldSpec | undefined;
}

/** A field of the reversal's JSON (see `ReversalPlan.order`): its opening text, and its value made by the plan (`made`) or copied. */
interface Slot {
  readonly field: string;
  readonly opening: string;
  readonly spec: FieldSpec | undefined;
  readonly made: string | ((original: MessageInput) => string) | undefined;
}

/**
 * {@link buildReversal} for one reversal MTI, dialect and field list, with everything that depends only on them decided
 * once (which fields are copied, their specs, the version, the MTI): one per connector, applied to each reversible
 * request before it leaves. Reads only the fields the reversal carries or builds field 90 / 56 from (a purchase's
 * track 2 is never touched).
 */
export class ReversalPlan {
  /** The fields copied, without field 1, the excluded fields and those the reversal sets itself. */
  private readonly copied: readonly Source[];
  private readonly version: DialectVersion;
  private readonly mti: string;
  private readonly mtiSpec: FieldSpec | undefined;
  private readonly stanSpec: FieldSpec | undefined;
  /** 1987: field 7 (transmission date and time); 1993: field 12 (local date and time). */
  private readonly timeSpec: FieldSpec | undefined;
  private readonly acquirerSpec: FieldSpec | undefined;
  private readonly forwarderSpec: FieldSpec | undefined;
  /**
   * The reversal's fields in the order `JSON.stringify` writes them (array indices ascending), each with the text that
   * opens it in the JSON object (`{"0":` or `,"2":`) and where its value comes from; `undefined` when a field name is
   * not an array index (such a plan's JSON is `JSON.stringify` of the message).
   */
  private readonly order: readonly Slot[] | undefined;
  /**
   * The field of an answer that carries the approved amount (`DialectReversal.approvedAmount`, default `4`), or
   * `undefined` when the reversal never takes it: the rule says `false`, or the reversal does not copy field 4.
   */
  private readonly approvedField: string | undefined;
  private readonly amountSpec: FieldSpec | undefined;
  private readonly currencySpec: FieldSpec | undefined;
  /** Field 2's spec when the reversal copies the PAN (a swipe's is then taken from its track), else `undefined`. */
  private readonly panSpec: FieldSpec | undefined;
  /** The fields the reversal makes itself (not field 0): 90, or 56, 24 and 25, and the dialect's `reversal.set`. */
  private readonly made: readonly (readonly [string, string | ((original: MessageInput) => string)])[];

  /** The dialect and field list, to make {@link ReversalPlan.other} when an original of the other edition comes. */
  private readonly dialect: Dialect;
  private readonly fields: readonly string[];
  /**
   * The plan for originals of the other edition (a 1200 in a 1987 dialect), made the first time one comes; this plan
   * when the dialect cannot carry a reversal of that edition (`reversalMessageProblems`: a 1993 dialect's field 90 is
   * n 10, a 1987 one's field 25 n 2), which is sent in the dialect's edition as before.
   */
  private other: ReversalPlan | undefined;

  /**
   * `version`: the edition the reversals are built in (MTI, field 90 or 56, 24 and 25); default the dialect's. An
   * original whose MTI has the other edition's version digit (a `1200` with a 1987 dialect) is reversed in its own
   * edition (a `1420` with 24, 25 and 56): a host that took a 1993 message expects a 1993 reversal; unless the
   * dialect cannot carry a reversal of that edition (then the dialect's, as before).
   */
  constructor(mti: string, dialect: Dialect, fields: readonly string[] = REVERSAL_FIELDS, version: DialectVersion = dialectVersion(dialect)) {
    this.dialect = dialect;
    this.fields = fields;
    this.version = version;
    this.mti = inVersion(mti, this.version);
    // The host's own rules (DialectReversal): fixed fields, more fields copied, no original data elements.
    const rules = dialect.reversal ?? {};
    const originalData = rules.originalData !== false;
    const own = this.version === '1993' ? ['0', '24', '25', ...(originalData ? ['56'] : [])] : ['0', ...(originalData ? ['90'] : [])];
    for (const f of Object.keys(rules.set ?? {})) if (!own.includes(f)) own.push(f);
    const never = neverStoredFields(dialect);
    const copied = new Set([...fields, ...(rules.copy ?? [])].filter((f) => f !== '1' && !never.has(f) && !own.includes(f)));
    this.copied = [...copied].map((field) => ({ field, spec: dialect.fields[field] }));
    this.approvedField = rules.approvedAmount === false || !copied.has('4') ? undefined : (rules.approvedAmount ?? '4');
    this.amountSpec = dialect.fields['4'];
    this.panSpec = copied.has('2') ? dialect.fields['2'] : undefined;
    this.currencySpec = dialect.fields['49'];
    this.mtiSpec = dialect.fields['0'];
    this.stanSpec = dialect.fields['11'];
    this.timeSpec = dialect.fields[this.version === '1993' ? '12' : '7'];
    this.acquirerSpec = dialect.fields['32'];
    this.forwarderSpec = dialect.fields['33'];
    const made: Record<string, string | ((original: MessageInput) => string)> =
      this.version === '1993'
        ? { '0': this.mti, '24': REVERSAL_FUNCTION_CODE, '25': REVERSAL_REASON_TIMEOUT, ...(originalData ? { '56': (original: MessageInput) => this.field56(original) } : {}) }
        : { '0': this.mti, ...(originalData ? { '90': (original: MessageInput) => this.field90(original) } : {}) };
    Object.assign(made, rules.set);
    this.made = Object.entries(made).filter(([f]) => f !== '0');
    const keys = [...own, ...copied];
    this.order = keys.every(isArrayIndex)
      ? keys
          .sort((x, y) => Number(x) - Number(y))
          .map((field, i) => ({ field, opening: `${i === 0 ? '{' : ','}${jsonString(field)}:`, spec: dialect.fields[field], made: made[field] }))
      : undefined;
  }

  /**
   * The reversal of `original` (see {@link buildReversal}); given the host's `answer` to it (an approval its client
   * never got), with the amount that answer approved in field 4.
   */
  build(original: MessageInput, answer?: MessageInput, kept?: (why: AmountKept) => void): IsoMessage {
    const plan = this.planOf(original);
    if (plan !== this) return plan.build(original, answer, kept);
    const out: IsoMessage = {};
    const copied = this.copied;
    for (let i = 0; i < copied.length; i++) {
      const { field, spec } = copied[i] as Source;
      if (!Object.hasOwn(original, field)) continue;
      const value = original[field];
      if (value === null || value === undefined) continue;
      out[field] = typeof value === 'object' ? (plain(value) as IsoMessage) : wireValue(spec, value);
    }
    // A swipe (track data, no field 2): the host finds the card by the PAN of the track, which is never stored itself.
    if (this.panSpec !== undefined && out['2'] === undefined) {
      const pan = trackPanOf(original);
      if (pan !== undefined) out['2'] = wireValue(this.panSpec, pan);
    }
    if (answer !== undefined) {
      const why = this.approve(out, answer, source(original, '49', this.currencySpec));
      if (why !== undefined) kept?.(why);
    }
    for (const [field, made] of this.made) out[field] = typeof made === 'string' ? made : made(original);
    out['0'] = this.mti;
    return out;
  }

  /** The fields of an answer {@link approve} reads (the approved amount's and its currency's); none when it reads none. */
  approvalFields(): readonly string[] {
    return this.approvedField === undefined ? [] : amountFieldsOf(this.approvedField);
  }

  /**
   * Sets field 4 of `reversal` (one this plan made, field 4 the request's amount) to the amount `answer` approved
   * ({@link approvedAmountOf}) when that is not more than the request's and in the request's currency `currency` (the
   * wire value of the request's field 49, `''` when it has none): the answer's currency field of that amount is 49,
   * absent or equal; or, for field 5 and 6, 50 and 51, present and equal. Returns why the request's amount stays
   * ({@link AmountKept}) when the answer carried an amount that was not taken.
   */
  approve(reversal: IsoMessage, answer: MessageInput, currency: string): AmountKept | undefined {
    const requested = reversal['4'];
    if (this.approvedField === undefined || typeof requested !== 'string') return undefined;
    const approved = approvedAmountOf(answer, this.approvedField, this.amountSpec);
    if (approved === undefined) return undefined;
    const why = amountKept(requested, approved, currency, answer, this.approvedField);
    if (why === undefined) reversal['4'] = approved;
    return why;
  }

  /**
   * The reversal of `original` as JSON text: the bytes `JSON.stringify(this.build(original))` gives, written from the
   * plan's field order into one flat string, without the message object (a composite field, or a field name that is
   * not a number, goes the long way).
   */
  json(original: MessageInput): string {
    const plan = this.planOf(original);
    if (plan !== this) return plan.json(original);
    const order = this.order;
    // No order, or a swipe whose PAN comes from its track (`build`, the one home of that rule): the long way.
    if (order === undefined || (this.panSpec !== undefined && original['2'] == null && trackPanOf(original) !== undefined)) return JSON.stringify(this.build(original));
    let json = '';
    for (let i = 0; i < order.length; i++) {
      const slot = order[i] as Slot;
      const made = slot.made;
      let value: string;
      if (made === undefined) {
        if (!Object.hasOwn(original, slot.field)) continue;
        const raw = original[slot.field];
        if (raw === null || raw === undefined) continue;
        if (typeof raw === 'object') return JSON.stringify(this.build(original));
        value = wireValue(slot.spec, raw);
      } else {
        value = typeof made === 'string' ? made : made(original);
      }
      // Field 0 is always there, first: it opens the object.
      json += plainJson(value) ? slot.opening + '"' + value + '"' : slot.opening + JSON.stringify(value);
    }
    return json + '}';
  }

  /**
   * The plan that reverses `original`: this one, or the plan of the other edition (made once) when the original's MTI
   * is of that edition and the dialect can reverse in it.
   */
  private planOf(original: MessageInput): ReversalPlan {
    const edition = editionOf(original, this.mtiSpec);
    if (edition === undefined || edition === this.version) return this;
    this.other ??= reversalMessageProblems({ ...this.dialect, version: edition }).length === 0
      ? new ReversalPlan(this.mti, this.dialect, this.fields, edition)
      : this;
    return this.other;
  }

  /** Field 90 (1987): original MTI (4), STAN (6), transmission date and time (10), acquiring and forwarding institutions (11 + 11). */
  private field90(original: MessageInput): string {
    return (
      transactionMti(text(source(original, '0', this.mtiSpec), 4)) +
      text(source(original, '11', this.stanSpec), 6) +
      text(source(original, '7', this.timeSpec), 10) +
      institution(source(original, '32', this.acquirerSpec)) +
      institution(source(original, '33', this.forwarderSpec))
    );
  }

  /**
   * Field 56 (1993, LLVAR n ..35): original MTI (4), STAN (6), local date and time (12, field 12), then the acquiring
   * institution id with its own 2-digit length (LLVAR n ..11), absent when the original had none.
   */
  private field56(original: MessageInput): string {
    const acquirer = source(original, '32', this.acquirerSpec).slice(-11);
    return (
      transactionMti(text(source(original, '0', this.mtiSpec), 4)) +
      text(source(original, '11', this.stanSpec), 6) +
      text(source(original, '12', this.timeSpec), 12) +
      (acquirer === '' ? '' : String(acquirer.length).padStart(2, '0') + acquirer)
    );
  }
}

/** The MTI the original's transaction is kept under: that of a repeat (`0201`) is its original's (`0200`). */
function transactionMti(mti: string): string {
  return isReversible(mti) ? mti.slice(0, 3) + '0' : mti;
}

/**
 * The edition of an original by the version digit of its MTI as it travels (padded as field 0 is: `200` is `0200`):
 * `0` 1987, `1` 1993; `undefined` for anything else (no MTI, a 2xxx MTI), reversed in the plan's edition.
 */
function editionOf(original: MessageInput, mtiSpec: FieldSpec | undefined): DialectVersion | undefined {
  const mti = Object.hasOwn(original, '0') ? original['0'] : undefined;
  // The usual MTI (four characters) read as it is; any other padded as it travels.
  const digit = typeof mti === 'string' && mti.length === 4 ? mti[0] : text(source(original, '0', mtiSpec), 4)[0];
  return digit === '0' ? '1987' : digit === '1' ? '1993' : undefined;
}

/**
 * The PAN of an original that carries track data in place of field 2 (a swipe): the PAN part of track 2 (35), else of
 * track 1 (45), read by the codec's `trackPan`; `undefined` when the original has field 2 or neither track reads as one.
 */
function trackPanOf(original: MessageInput): string | undefined {
  if (Object.hasOwn(original, '2') && original['2'] != null) return undefined;
  for (const field of ['35', '45']) {
    const track = Object.hasOwn(original, field) ? original[field] : undefined;
    const pan = typeof track === 'string' ? trackPan(track) : undefined;
    if (pan !== undefined) return pan;
  }
  return undefined;
}

/** True for a canonical array index (`0`, `90`; not `090`, `-1`, `1.5`): `JSON.stringify` writes those first, ascending. */
function isArrayIndex(key: string): boolean {
  return /^(0|[1-9][0-9]{0,8})$/.test(key);
}

/** The wire value of an original's field that field 90 / 56 is built from; '' when absent or composite. */
function source(original: MessageInput, field: string, spec: FieldSpec | undefined): string {
  if (!Object.hasOwn(original, field)) return '';
  const value = original[field];
  return value === null || value === undefined || typeof value === 'object' ? '' : wireValue(spec, value);
}

/** The last `n` characters of `value`, zero-padded on the left to `n`. */
function text(value: string, n: number): string {
  return value.length === n ? value : value.padStart(n, '0').slice(-n);
}

/** An institution id in field 90: its last 11 digits, zero-padded on the left to 11. */
function institution(value: string): string {
  return value === '' ? NO_INSTITUTION : value.slice(-11).padStart(11, '0');
}

/** An absent institution id in field 90. */
const NO_INSTITUTION = '00000000000';

/** ISO 8583:1993 field 24 of a reversal: function code 400, full reversal. */
export const REVERSAL_FUNCTION_CODE = '400';
/** ISO 8583:1993 field 25 of an automatic reversal: message reason code 4021, timeout waiting for the response. */
export const REVERSAL_REASON_TIMEOUT = '4021';
