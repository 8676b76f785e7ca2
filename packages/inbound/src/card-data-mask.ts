import { groupedNumber, hasPanShapedRun, hexPanRuns, maskFieldValue, maskGroupedNumbers, maskPan, maskValue, parseTlv, sensitiveFields, wireHex } from '@iso8583/codec';
import type { Dialect, FieldSpec, IsoMessage, Sensitivity, TlvItem, ValueEncoding } from '@iso8583/codec';

/** Values shorter than this are not searched for (a 1- or 2-character value would mask half of every line). */
const MIN_LENGTH = 3;

/** Track data: leading sentinel or format code, the PAN digits, the field separator, the rest (expiry, CVV...). */
const TRACK = /^([^0-9]{0,2})([0-9]{8,19})([=D^])(.*)$/;

/** Runs of digits long enough to be a PAN (8 or more); `hasPanShapedRun` says which one could be. */
const DIGIT_RUN = /[0-9]{8,}/g;

/**
 * The most digit runs of unmarked fields searched for one by one (each in several forms). A message with more (a
 * hostile client filling every private field with numbers) would make every log call of its sequence search
 * thousands of forms; past this many, every log string is masked wholesale instead (see {@link CardDataMask.text}).
 */
export const MAX_EXACT_RUNS = 32;

/** The hex of 8 or more digits as ASCII (`3x`) or EBCDIC (`Fx`) bytes, either case: a digit run in a byte dump. */
const DIGIT_RUN_HEX = /(?:3[0-9]){8,}|(?:[Ff][0-9]){8,}/g;

/**
 * EMV data objects whose values are not searched for in field 55: the terminal's amounts (9F02, 9F03, also fields 4
 * and 54) and its verification results (95, mostly zeros); hidden, they would mask the amount in every log line.
 */
const SHOWN_EMV_TAGS = new Set(['9F02', '9F03', '95']);

/** EMV data objects that hold the cardholder name (5F20, 9F0B extended): also searched for as the text they spell. */
const NAME_EMV_TAGS = new Set(['5F20', '9F0B']);

/** The fewest hex digits of an EMV value searched for (4 bytes): shorter ones are codes, dates and counters. */
const MIN_EMV_HEX = 8;

/**
 * The fewest digits of a piece of a PAN that is hidden (`pan.slice(0, 12)`): 7, one more than the 6 leading digits a
 * masked PAN shows. The runs of a logged string that long or longer are looked for in the message's PANs.
 */
const PAN_PIECE = 7;

/**
 * The work {@link CardDataMask.text} does itself, counted (the characters each of its scans may read; the codec's masks
 * it calls count their own): its tests check that the cost grows linearly with the text, deterministically where a
 * clock on a busy machine is not. Internal: not exported from the package's index.
 */
export const cardDataMaskWork = { steps: 0 };

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Deep copies stop here (a log record nested deeper is cut, as pino's serialiser would not show it usefully). */
const MAX_DEPTH = 16;

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** The value as it appears inside XML text or an attribute. */
export function xmlEscape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

/**
 * The sensitivity of a field id (`2`, `127.2`) under a dialect: the codec's `sensitiveFields` (the dialect's marks,
 * and the codec's default list for the fields it does not mark, 53 included).
 */
export function sensitivityOf(dialect: Dialect, id: string): Sensitivity | undefined {
  return sensitiveFields(dialect).get(id);
}

/**
 * The card data of one message, found wherever it appears in what is about to be logged: every value of the
 * message's sensitive fields (PAN, track 1/2/3, PIN block, field 53, EMV data, and whatever the dialect marks, e.g. a
 * CVV field), in the forms it may take in a string: as it is, upper- and lower-case (binary fields travel as hex), the
 * XML-escaped form (as in `message.xml`), and the hex of its bytes (as in a dump of `message.raw`: as Latin-1, and as
 * the field's encoding puts it on the wire, e.g. EBCDIC `F4F7...` for a PAN `47...`, the codec's `wireHex`); for track data
 * also the PAN and the data after the separator on their own, and track 1's cardholder name. Each is replaced by the codec's mask for its field
 * (`maskValue`: PAN as first 6 + last 4, track after the separator as stars, EMV data as its tags). The message's
 * other fields are masked as the codec shows them (`maskFieldValue`): a field whose value the codec would not show as
 * it is (a PAN in a private field 48 or 62, an account id 102) has its value, in the same forms, replaced by that
 * masked view, and each of its digit runs that could be a PAN (`maskDigitRuns`' rule) by the masked PAN (the first
 * {@link MAX_EXACT_RUNS}; past them every logged string is masked wholesale). EMV data also has the value of each of
 * its data objects replaced (see `#addEmvItems`). Whatever the message: every number written in groups of 13 digits
 * or more (`4761 7390 0101 0010`, the codec's `maskGroupedNumbers`) is masked, and every number (whole or in groups)
 * holding 7 digits in a row of one of the message's PANs (fields 2 and 34, the PAN of its track data, EMV tag 5A) is
 * hidden.
 */
export class CardDataMask {
  readonly #replacements = new Map<string, string>();
  /** Every form and its mask, longest first (a track is replaced whole before the PAN inside it is looked for). */
  readonly #forms: ReadonlyArray<readonly [string, string]>;
  /** The shortest form: a shorter string holds none. */
  readonly #shortest: number;
  /** PAN-shaped digit runs of unmarked fields seen; past {@link MAX_EXACT_RUNS}, text is masked wholesale. */
  #runs = 0;
  /**
   * Every run of {@link PAN_PIECE} digits of the message's PANs (fields 2 and 34, the PAN of track data, EMV tag 5A): a
   * number (whole or in groups) that holds one is hidden too.
   */
  readonly #pieces = new Set<string>();
  /** The message's PANs themselves. */
  readonly #pans = new Set<string>();

  private constructor(values: ReadonlyArray<SensitiveValue>) {
    for (const [value, sensitivity, encoding, spec] of values) {
      if (sensitivity === undefined) this.#addFreeText(value, spec, encoding);
      else this.#addValue(value, sensitivity, encoding);
    }
    this.#forms = [...this.#replacements].sort((a, b) => b[0].length - a[0].length);
    this.#shortest = this.#forms.length === 0 ? Infinity : this.#forms[this.#forms.length - 1]![0].length;
  }

  /** How many forms are searched for in every logged string (bounded: see {@link MAX_EXACT_RUNS}). */
  get size(): number {
    return this.#forms.length;
  }

  /** Whether the message had more PAN-shaped digit runs than {@link MAX_EXACT_RUNS}: every string is masked wholesale. */
  get wholesale(): boolean {
    return this.#runs > MAX_EXACT_RUNS;
  }

  /** The mask of one message's sensitive fields under `dialect`. */
  static of(fields: IsoMessage, dialect: Dialect): CardDataMask {
    const values: SensitiveValue[] = [];
    collect(fields, '', dialect, dialect.fields, undefined, values);
    return new CardDataMask(values);
  }

  /**
   * `text` with every occurrence of the message's card data replaced by its mask, every number (whole or in groups)
   * holding 7 digits in a row of one of its PANs as stars (`pan.slice(0, 12)`, `4761 7390 0101`; 6 digits, the BIN,
   * and the last 4 are shown), and every number in groups of 13 digits or more masked as a PAN (the codec's
   * `maskGroupedNumbers`: a PAN formatted `4761 7390 0101 0010`, of this message or any other). When the message had
   * more digit runs than {@link MAX_EXACT_RUNS} ({@link wholesale}), also every digit run that could be a PAN (the
   * codec's `maskDigitRuns`), the hex of every run of 8 or more digits as ASCII or EBCDIC bytes (as stars), and every
   * PAN-shaped number spelled in such hex with its byte pairs apart (`F4 F7 F6 ...`: the codec's free-text view,
   * `maskFieldValue`), whatever message it came from.
   */
  text(text: string): string {
    let out = text;
    if (text.length >= this.#shortest) {
      for (const [form, masked] of this.#forms) {
        cardDataMaskWork.steps += out.length;
        if (out.includes(form)) out = out.replaceAll(form, masked);
      }
    }
    if (this.#pieces.size > 0 && out.length >= PAN_PIECE) out = this.#hidePanPieces(out);
    if (this.wholesale) return maskFieldValue(out.replace(DIGIT_RUN_HEX, (hex) => '*'.repeat(hex.length)), undefined, undefined);
    return maskGroupedNumbers(out);
  }

  /**
   * `text` with every number (a digit run, or runs in groups: the codec's `groupedNumber`) that holds 7 digits in a row
   * of one of the message's PANs as stars, separators kept: a PAN sliced (`pan.slice(0, 12)`), glued to other digits or
   * written in groups. One pass; each number is looked at once.
   */
  #hidePanPieces(text: string): string {
    let out = '';
    let copied = 0;
    for (let i = 0; i < text.length; ) {
      cardDataMaskWork.steps++;
      if (!isDigit(text.charCodeAt(i))) {
        i++;
        continue;
      }
      const start = i;
      let digits = '';
      i = groupedNumber(text, start, (from, to) => {
        digits += text.slice(from, to);
      });
      cardDataMaskWork.steps += i - start;
      // One of the PANs itself (in groups) is left to the grouped rule, which shows its BIN and last 4 (of a longer or
      // shorter number it would show digits from the middle of the PAN).
      if (digits.length < PAN_PIECE || this.#pans.has(digits) || !this.#holdsPiece(digits)) continue;
      let at = start;
      out += text.slice(copied, start);
      groupedNumber(text, start, (from, to) => {
        out += text.slice(at, from) + '*'.repeat(to - from);
        at = to;
      });
      copied = i;
    }
    return copied === 0 ? text : out + text.slice(copied);
  }

  /** Whether `digits` holds {@link PAN_PIECE} digits in a row of one of the message's PANs. */
  #holdsPiece(digits: string): boolean {
    cardDataMaskWork.steps += digits.length;
    for (let k = 0; k + PAN_PIECE <= digits.length; k++) if (this.#pieces.has(digits.slice(k, k + PAN_PIECE))) return true;
    return false;
  }

  /**
   * A copy of anything about to be logged with the card data masked in every string: object keys and values, array
   * items, error messages, stacks and causes; buffers become uppercase hex (masked). What has `toJSON` is read
   * through it, as a log line would show it. Numbers that spell a value become the masked string.
   */
  value(input: unknown): unknown {
    return this.#copy(input, 0, new WeakSet());
  }

  #copy(input: unknown, depth: number, seen: WeakSet<object>): unknown {
    switch (typeof input) {
      case 'string':
        return this.text(input);
      case 'number':
      case 'bigint': {
        const text = String(input);
        const masked = this.text(text);
        return masked === text ? input : masked;
      }
      case 'object':
        break;
      default:
        return input;
    }
    if (input === null) return input;
    if (seen.has(input)) return '[Circular]';
    if (depth >= MAX_DEPTH) return '[...]';
    if (input instanceof Uint8Array) return this.text(Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('hex').toUpperCase());
    seen.add(input);
    try {
      if (input instanceof Error) return this.#error(input, depth, seen);
      if (Array.isArray(input)) return input.map((item) => this.#copy(item, depth + 1, seen));
      const toJSON = (input as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return this.#copy(toJSON.call(input), depth + 1, seen);
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(input)) out[this.text(key)] = this.#copy(value, depth + 1, seen);
      return out;
    } finally {
      seen.delete(input);
    }
  }

  /** An error of the same class whose message, stack, cause and own properties are masked. */
  #error(err: Error, depth: number, seen: WeakSet<object>): Error {
    const copy = Object.create(Object.getPrototypeOf(err) as object) as Error;
    const hidden = (key: string, value: unknown): void => {
      Object.defineProperty(copy, key, { value, writable: true, configurable: true, enumerable: false });
    };
    hidden('message', this.text(err.message));
    if (typeof err.stack === 'string') hidden('stack', this.text(err.stack));
    if (Object.prototype.hasOwnProperty.call(err, 'name')) hidden('name', this.text(err.name));
    if ('cause' in err && err.cause !== undefined) hidden('cause', this.#copy(err.cause, depth + 1, seen));
    for (const [key, value] of Object.entries(err)) {
      if (key === 'message' || key === 'stack' || key === 'cause') continue;
      (copy as unknown as Record<string, unknown>)[this.text(key)] = this.#copy(value, depth + 1, seen);
    }
    return copy;
  }

  #addValue(value: string, sensitivity: Sensitivity, encoding: ValueEncoding | undefined): void {
    const masked = maskValue(value, sensitivity);
    if (sensitivity === 'pan') this.#addPan(value);
    this.#addForms(value, masked, encoding);
    if (sensitivity === 'emv') this.#addEmvItems(value);
    if (sensitivity === 'track') this.#addTrack(value, masked, encoding);
  }

  /** Track data: also its PAN, the data after the separator, track 1's name, and the form with the other track 2 separator. */
  #addTrack(value: string, masked: string, encoding: ValueEncoding | undefined): void {
    const track = TRACK.exec(value);
    if (track === null) return;
    const [, prefix = '', pan = '', separator = '', rest = ''] = track;
    this.#addPan(pan);
    this.#addForms(pan, maskPan(pan), encoding);
    if (rest.length >= 6) this.#addForms(rest, '*'.repeat(rest.length), encoding);
    // Track 1: the cardholder name (`DOE/JOHN`, padded to its field with spaces), which a sequence may log on its own.
    if (separator === '^') this.#addName(rest.slice(0, Math.max(0, rest.indexOf('^'))), encoding);
    // Track 2 is written with `=` in ASCII and with `D` (the BCD separator nibble) in binary dialects.
    const other = separator === '=' ? 'D' : separator === 'D' ? '=' : undefined;
    if (other !== undefined) this.#addForms(prefix + pan + other + rest, masked, encoding);
  }

  /**
   * The value of each data object of EMV data (at any depth of constructed tags), as a sequence meets it after
   * `parseTlv` or `emvToTags` (uppercase hex; lower case too): 5A (PAN, `F` padding aside) masked as a PAN, 57 (track 2
   * equivalent data) as track data, the cardholder name ({@link NAME_EMV_TAGS}) as stars, also as the text it spells,
   * the others of 4 bytes or more (cryptogram 9F26, issuer application data 9F10...) as stars, but for
   * {@link SHOWN_EMV_TAGS}. Data that is not valid TLV adds nothing (its whole value was added).
   */
  #addEmvItems(value: string): void {
    let items: TlvItem[];
    try {
      items = parseTlv(value);
    } catch {
      return;
    }
    const walk = (list: readonly TlvItem[]): void => {
      for (const item of list) {
        if (item.children !== undefined) walk(item.children);
        if (item.tag === '5A') {
          const pan = item.value.replace(/F+$/, '');
          this.#addPan(pan);
          this.#addForms(pan, maskPan(pan), undefined);
        } else if (item.tag === '57') {
          const track = item.value.replace(/F+$/, '');
          this.#addTrack(track, maskValue(track, 'track'), undefined);
          this.#addForms(track, maskValue(track, 'track'), undefined);
        } else if (NAME_EMV_TAGS.has(item.tag)) {
          if (item.value.length >= MIN_EMV_HEX) this.#addForms(item.value, '*'.repeat(item.value.length), undefined);
          this.#addName(Buffer.from(item.value, 'hex').toString('latin1'), undefined);
        } else if (item.value.length >= MIN_EMV_HEX && !SHOWN_EMV_TAGS.has(item.tag)) {
          this.#addForms(item.value, '*'.repeat(item.value.length), undefined);
        }
      }
    };
    walk(items);
  }

  /**
   * A value of a field that no one marked, when the codec would not show it as it is (`maskFieldValue`): the value
   * replaced by that view, and each PAN-shaped digit run in it by the masked PAN (the run quoted on its own, in an
   * error text or a format argument), each PAN-shaped number it spells as the hex of ASCII or EBCDIC bytes (the codec's
   * `hexPanRuns`: `F4F7F6F1...`, `F4 F7 F6 F1 ...`) by the codec's view of it; both counted against {@link MAX_EXACT_RUNS}.
   */
  #addFreeText(value: string, spec: FieldSpec | undefined, encoding: ValueEncoding | undefined): void {
    const masked = maskFieldValue(value, undefined, spec);
    if (masked === value) return;
    this.#addForms(value, masked, encoding);
    for (const [run] of value.matchAll(DIGIT_RUN)) {
      if (!hasPanShapedRun(run)) continue;
      // Past the cap, the run is found by the wholesale rule of text() instead of its own forms.
      if (++this.#runs <= MAX_EXACT_RUNS) this.#addForms(run, maskPan(run), encoding);
    }
    for (const run of hexPanRuns(value)) if (++this.#runs <= MAX_EXACT_RUNS) this.#addForms(run, maskFieldValue(run, undefined, undefined), undefined);
  }

  /**
   * The cardholder name of the message's track 1 or EMV data (`DOE/JOHN`), as it is and without the spaces that pad it,
   * in every form ({@link CardDataMask.#addForms}), as stars; a name shorter than 4 characters (as short as the EMV
   * values searched for, {@link MIN_EMV_HEX}) is not searched for: it would hide those letters in every word.
   */
  #addName(name: string, encoding: ValueEncoding | undefined): void {
    for (const form of new Set([name, name.trim()])) if (form.length >= MIN_EMV_HEX / 2 && /[A-Za-z]/.test(form)) this.#addForms(form, '*'.repeat(form.length), encoding);
  }

  /** A PAN of the message, when it is digits long enough to have pieces worth hiding. */
  #addPan(pan: string): void {
    if (pan.length <= PAN_PIECE || !/^[0-9]+$/.test(pan)) return;
    this.#pans.add(pan);
    for (let k = 0; k + PAN_PIECE <= pan.length; k++) this.#pieces.add(pan.slice(k, k + PAN_PIECE));
  }

  /**
   * A value as it is, in upper and lower case, XML-escaped, and the hex of its bytes (both cases): as Latin-1, and as
   * `encoding` (the field's) writes them.
   */
  #addForms(value: string, masked: string, encoding: ValueEncoding | undefined): void {
    if (value.length < MIN_LENGTH) return;
    this.#add(value, masked);
    if (/[a-z]/.test(value)) this.#add(value.toUpperCase(), masked);
    if (/[A-Z]/.test(value)) this.#add(value.toLowerCase(), masked);
    if (/[&<>"']/.test(value)) this.#add(xmlEscape(value), xmlEscape(masked));
    this.#addHex(Buffer.from(value, 'latin1').toString('hex'));
    if (encoding !== undefined) this.#addHex(wireHex(value, encoding));
  }

  /** A hex dump form (either case), masked as stars. */
  #addHex(hex: string): void {
    const stars = '*'.repeat(hex.length);
    this.#add(hex, stars);
    if (/[a-f]/.test(hex)) this.#add(hex.toUpperCase(), stars);
    if (/[A-F]/.test(hex)) this.#add(hex.toLowerCase(), stars);
  }

  #add(form: string, masked: string): void {
    if (form.length >= MIN_LENGTH && !this.#replacements.has(form)) this.#replacements.set(form, masked);
  }
}

/**
 * A field value, its sensitivity (`undefined` for a field no one marked), the encoding of its field (`undefined` when
 * the dialect does not say) and its spec (`undefined` for a field the dialect does not define).
 */
type SensitiveValue = readonly [string, Sensitivity | undefined, ValueEncoding | undefined, FieldSpec | undefined];

function collect(
  fields: IsoMessage,
  prefix: string,
  dialect: Dialect,
  specs: Readonly<Record<string, FieldSpec>> | undefined,
  inherited: Sensitivity | undefined,
  out: SensitiveValue[],
): void {
  for (const [id, value] of Object.entries(fields)) {
    const sensitivity = inherited ?? sensitivityOf(dialect, prefix + id);
    const spec = specs?.[id];
    if (typeof value === 'string') {
      out.push([value, sensitivity, spec?.encoding, spec]);
    } else if (value !== null && typeof value === 'object') {
      // A composite marked sensitive as a whole hides every sub-field as a secret.
      collect(value, `${prefix}${id}.`, dialect, spec?.subfields?.fields, sensitivity === undefined ? undefined : 'secret', out);
    }
  }
}
