/**
 * The card data of one message, found in its fields: every form its sensitive values may take in a logged string,
 * each with its mask, and the PANs whose pieces are hidden too. What `CardDataMask` (card-data-mask.ts) searches
 * for; how it searches is there.
 */
import { hasPanShapedRun, hexPanRuns, maskFieldValue, maskFreeText, maskPan, maskValue, parseTlv, sensitiveFields, wireHex } from '@iso8583/codec';
import type { Dialect, FieldSpec, IsoMessage, Sensitivity, TlvItem, ValueEncoding } from '@iso8583/codec';

/** Values shorter than this are not searched for (a 1- or 2-character value would mask half of every line). */
const MIN_LENGTH = 3;

/** Track data: leading sentinel or format code, the PAN digits, the field separator, the rest (expiry, CVV...). */
const TRACK = /^([^0-9]{0,2})([0-9]{8,19})([=D^])(.*)$/;

/** Runs of digits long enough to be a PAN (8 or more); `hasPanShapedRun` says which one could be. */
const DIGIT_RUN = /[0-9]{8,}/g;

/**
 * EMV data objects whose values are not searched for in field 55: the terminal's amounts (9F02, 9F03, also fields 4
 * and 54) and its verification results (95, mostly zeros); hidden, they would mask the amount in every log line.
 */
const SHOWN_EMV_TAGS = new Set(['9F02', '9F03', '95']);

/** EMV data objects that hold the cardholder name (5F20, 9F0B extended): also searched for as the text they spell. */
const NAME_EMV_TAGS = new Set(['5F20', '9F0B']);

/** EMV data objects that hold track 2 data, BCD (`D` the separator, `F` the pad): 57 (equivalent data), 9F6B (contactless). */
const TRACK2_EMV_TAGS = new Set(['57', '9F6B']);

/** The EMV data object that holds track 1 data (contactless magstripe mode) as text: `B4761...^DOE/JOHN^2512...`. */
const TRACK1_EMV_TAG = '56';

/** The fewest hex digits of an EMV value searched for (4 bytes): shorter ones are codes, dates and counters. */
const MIN_EMV_HEX = 8;

/**
 * The fewest digits of a piece of a PAN that is hidden (`pan.slice(0, 12)`): 7, one more than the 6 leading digits a
 * masked PAN shows. The runs of a logged string that long or longer are looked for in the message's PANs.
 */
export const PAN_PIECE = 7;

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
 * The forms of one message's card data and their masks (see `CardDataMask` for which), with the message's PANs
 * and their pieces of {@link PAN_PIECE} digits, and the count of PAN-shaped digit runs of unmarked fields (each of the
 * first `maxExactRuns` added as forms of its own).
 */
export class CardDataForms {
  readonly #replacements = new Map<string, string>();
  /** PAN-shaped digit runs of unmarked fields seen (past `maxExactRuns`, no more forms are added for them). */
  #runs = 0;
  /**
   * Every run of {@link PAN_PIECE} digits of the message's PANs (fields 2 and 34, the PAN of track data, EMV tag 5A): a
   * number (whole or in groups) that holds one is hidden too.
   */
  readonly #pieces = new Set<string>();
  /** The message's PANs themselves. */
  readonly #pans = new Set<string>();

  private constructor(
    values: ReadonlyArray<SensitiveValue>,
    private readonly maxExactRuns: number,
  ) {
    for (const [value, sensitivity, encoding, spec] of values) {
      if (sensitivity === undefined) this.#addFreeText(value, spec, encoding);
      else this.#addValue(value, sensitivity, encoding);
    }
  }

  /** Every form and its mask. */
  get replacements(): ReadonlyMap<string, string> {
    return this.#replacements;
  }

  /** Every run of {@link PAN_PIECE} digits of the message's PANs. */
  get pieces(): ReadonlySet<string> {
    return this.#pieces;
  }

  /** The message's PANs. */
  get pans(): ReadonlySet<string> {
    return this.#pans;
  }

  /** How many PAN-shaped digit runs the message's unmarked fields hold. */
  get runs(): number {
    return this.#runs;
  }

  /**
   * The forms of one message's sensitive fields under `dialect` (of each of `fields` when several: the request as the
   * client sent it and the sequence's own object, which it may have given new card data); digit runs of unmarked fields
   * past `maxExactRuns` only counted.
   */
  static of(fields: IsoMessage | readonly IsoMessage[], dialect: Dialect, maxExactRuns: number): CardDataForms {
    const values: SensitiveValue[] = [];
    for (const one of new Set(Array.isArray(fields) ? fields : [fields as IsoMessage])) collect(one, '', dialect, dialect.fields, undefined, values);
    // A value both objects hold (the sequence changed nothing, or only other fields) once: its forms made once, and its
    // digit runs counted once (`runs` decides whether free text is masked wholesale).
    const seen = new Set<string>();
    const once = values.filter(([value, sensitivity, encoding]) => {
      const key = `${sensitivity ?? ''}\0${encoding ?? ''}\0${value}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
    values.length = 0;
    values.push(...once);
    return new CardDataForms(values, maxExactRuns);
  }

  #addValue(value: string, sensitivity: Sensitivity, encoding: ValueEncoding | undefined): void {
    const masked = maskValue(value, sensitivity);
    if (sensitivity === 'pan') this.#addPan(value);
    this.#addForms(value, masked, encoding);
    if (sensitivity === 'emv') this.#addEmvItems(value);
    if (sensitivity === 'track') this.#addTrack(value, masked, encoding);
  }

  /**
   * Track data: also its PAN, the data after the separator, track 1's name and the data after the name (6 characters
   * or more), and the form with the other track 2 separator.
   */
  #addTrack(value: string, masked: string, encoding: ValueEncoding | undefined): void {
    const track = TRACK.exec(value);
    if (track === null) return;
    const [, prefix = '', pan = '', separator = '', rest = ''] = track;
    this.#addPan(pan);
    this.#addForms(pan, maskPan(pan), encoding);
    if (rest.length >= 6) this.#addForms(rest, stars(rest.length), encoding);
    if (separator === '^') {
      // Track 1: the cardholder name (`DOE/JOHN`, padded to its field with spaces) and the data after it (expiry,
      // service code, discretionary data with CVV1 / PVV), which a sequence may log on their own, as track 2's rest.
      const second = rest.indexOf('^');
      this.#addName(rest.slice(0, Math.max(0, second)), encoding);
      const tail = second < 0 ? '' : rest.slice(second + 1);
      if (tail.length >= 6) this.#addForms(tail, stars(tail.length), encoding);
    }
    // Track 2 is written with `=` in ASCII and with `D` (the BCD separator nibble) in binary dialects.
    const other = separator === '=' ? 'D' : separator === 'D' ? '=' : undefined;
    if (other !== undefined) this.#addForms(prefix + pan + other + rest, masked, encoding);
  }

  /**
   * The value of each data object of EMV data (at any depth of constructed tags), as a sequence meets it after
   * `parseTlv` or `emvToTags` (uppercase hex; lower case too): 5A (PAN, `F` padding aside) masked as a PAN, 57 (track 2
   * equivalent data) and 9F6B (track 2 data) as track data (their PAN and the rest), 56 (track 1 data) as the track 1
   * text it spells (its PAN, the cardholder name, the rest), the cardholder name ({@link NAME_EMV_TAGS}) as stars, also as the text it spells,
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
        } else if (TRACK2_EMV_TAGS.has(item.tag)) {
          const track = item.value.replace(/F+$/, '');
          this.#addTrack(track, maskValue(track, 'track'), undefined);
          this.#addForms(track, maskValue(track, 'track'), undefined);
        } else if (item.tag === TRACK1_EMV_TAG) {
          // The text it spells (its PAN, the cardholder name, the rest); its hex (4 bytes and up) as stars.
          const track = Buffer.from(item.value, 'hex').toString('latin1');
          this.#addTrack(track, maskValue(track, 'track'), undefined);
          this.#addForms(track, maskValue(track, 'track'), undefined);
          if (item.value.length >= MIN_EMV_HEX) this.#addForms(item.value, stars(item.value.length), undefined);
        } else if (NAME_EMV_TAGS.has(item.tag)) {
          if (item.value.length >= MIN_EMV_HEX) this.#addForms(item.value, stars(item.value.length), undefined);
          this.#addName(Buffer.from(item.value, 'hex').toString('latin1'), undefined);
        } else if (item.value.length >= MIN_EMV_HEX && !SHOWN_EMV_TAGS.has(item.tag)) {
          this.#addForms(item.value, stars(item.value.length), undefined);
        }
      }
    };
    walk(items);
  }

  /**
   * A value of a field that no one marked, when the codec would not show it as it is (`maskFieldValue`): the value
   * replaced by that view, and each PAN-shaped digit run in it by the masked PAN (the run quoted on its own, in an
   * error text or a format argument), each PAN-shaped number it spells as the hex of ASCII or EBCDIC bytes (the codec's
   * `hexPanRuns`: `F4F7F6F1...`, `F4 F7 F6 F1 ...`) by the codec's view of it; both counted against `maxExactRuns`.
   */
  #addFreeText(value: string, spec: FieldSpec | undefined, encoding: ValueEncoding | undefined): void {
    const masked = maskFieldValue(value, undefined, spec);
    if (masked === value) return;
    this.#addForms(value, masked, encoding);
    for (const [run] of value.matchAll(DIGIT_RUN)) {
      if (!hasPanShapedRun(run)) continue;
      // Past the cap, the run is found by the wholesale rule of `CardDataMask.text` instead of its own forms.
      if (++this.#runs <= this.maxExactRuns) this.#addForms(run, maskPan(run), encoding);
    }
    for (const run of hexPanRuns(value)) if (++this.#runs <= this.maxExactRuns) this.#addForms(run, maskFreeText(run), undefined);
  }

  /**
   * The cardholder name of the message's track 1 or EMV data (`DOE/JOHN`), as it is and without the spaces that pad it,
   * in every form ({@link CardDataForms.#addForms}), as stars; a name shorter than 4 characters (as short as the EMV
   * values searched for, {@link MIN_EMV_HEX}) is not searched for: it would hide those letters in every word.
   */
  #addName(name: string, encoding: ValueEncoding | undefined): void {
    for (const form of new Set([name, name.trim()])) if (form.length >= MIN_EMV_HEX / 2 && /[A-Za-z]/.test(form)) this.#addForms(form, stars(form.length), encoding);
  }

  /** A PAN of the message, when it is digits long enough to have pieces worth hiding. */
  #addPan(pan: string): void {
    if (pan.length <= PAN_PIECE || !/^[0-9]+$/.test(pan)) return;
    this.#pans.add(pan);
    for (let k = 0; k + PAN_PIECE <= pan.length; k++) this.#pieces.add(pan.slice(k, k + PAN_PIECE));
  }

  /**
   * A value as it is, in upper and lower case, XML-escaped, URL-encoded (`encodeURIComponent`: `%5EDOE%2FJOHN%5E`), and
   * its bytes in every dump form ({@link CardDataForms.#addHex}): as Latin-1, as `encoding` (the field's) writes them,
   * and, for a value that is hex (field 52, 55, an EMV data object), the bytes it spells.
   */
  #addForms(value: string, masked: string, encoding: ValueEncoding | undefined): void {
    if (value.length < MIN_LENGTH) return;
    this.#add(value, masked);
    if (/[a-z]/.test(value)) this.#add(value.toUpperCase(), masked);
    if (/[A-Z]/.test(value)) this.#add(value.toLowerCase(), masked);
    if (/[&<>"']/.test(value)) this.#add(xmlEscape(value), xmlEscape(masked));
    // A lone surrogate (`'\ud800'`) makes `encodeURIComponent` throw URIError: its URL form is then the one
    // URLSearchParams and URL write (U+FFFD in its place), so the mask of a message carrying it still builds.
    const url = urlForm(value);
    if (url !== value) this.#add(url, urlForm(masked));
    this.#addHex(Buffer.from(value, 'latin1').toString('hex'));
    if (encoding !== undefined) this.#addHex(wireHex(value, encoding));
    if (value.length >= MIN_EMV_HEX && value.length % 2 === 0 && /^[0-9A-Fa-f]+$/.test(value)) this.#addHex(value);
  }

  /**
   * The bytes of a hex dump in every form a log may show them, masked as stars: the hex (either case), its byte pairs
   * apart (`01 23 45`, `01:23:45`), and their base64 (standard and URL-safe) at each of the 3 places the bytes may start
   * in a longer base64 text ({@link base64Cores}).
   */
  #addHex(hex: string): void {
    for (const form of new Set([hex, hex.toUpperCase(), hex.toLowerCase()])) {
      this.#add(form, stars(form.length));
      if (form.length < MIN_EMV_HEX) continue;
      const pairs = form.match(/../g)!;
      for (const separator of HEX_SEPARATORS) {
        const spaced = pairs.join(separator);
        this.#add(spaced, stars(spaced.length));
      }
    }
    for (const core of base64Cores(Buffer.from(hex, 'hex'))) this.#add(core, stars(core.length));
  }

  #add(form: string, masked: string): void {
    if (form.length >= MIN_LENGTH && !this.#replacements.has(form)) this.#replacements.set(form, masked);
  }
}

/** Star strings by length, shared by every form of every message (most forms are masked as stars). */
const STARS: string[] = [];

/** `n` stars: one shared string for each length up to 4096. */
function stars(n: number): string {
  if (n > 4096) return '*'.repeat(n);
  return (STARS[n] ??= '*'.repeat(n));
}

/** What a hex dump may put between its byte pairs: `01 23 45`, `01:23:45`. */
const HEX_SEPARATORS = [' ', ':'];

/** The fewest base64 characters searched for: shorter runs (5 bytes or less) would match ordinary words. */
const MIN_BASE64 = 8;

/**
 * The fewest bytes whose base64 is searched for at every place they may start: the cores of 6 bytes at the 2 places
 * past the first are 7 characters (42 bits of their own), kept, or a PAN of 12 digits as BCD (tag 5A, field 2) would
 * be found at one place in 3 only (sr68 fix68d #2).
 */
const MIN_BASE64_BYTES = 6;

/**
 * The base64 characters that carry `bytes` alone (those that hold no bit of a byte before or after them), standard
 * and URL-safe, at each of the 3 places the bytes may start in a group of 3: what every base64 text holding them holds,
 * whatever is around them (a field inside `message.raw`, a data object inside field 55). Runs shorter than
 * {@link MIN_BASE64} are left out, but for bytes of {@link MIN_BASE64_BYTES} or more (one character fewer). Up to 6 strings; reading base64 back is xml-header-mask.ts's.
 */
export function base64Cores(bytes: Uint8Array): string[] {
  const out = new Set<string>();
  for (let shift = 0; shift < 3; shift++) {
    const text = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // On their own (shift 0), the whole text too: its last characters, padding and all.
    if (shift === 0) out.add(text).add(text.replace(/=+$/, ''));
    out.add(text.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6)));
  }
  const fewest = bytes.length >= MIN_BASE64_BYTES ? MIN_BASE64 - 1 : MIN_BASE64;
  return [...out].filter((form) => form.length >= fewest).flatMap((form) => {
    const url = form.replaceAll('+', '-').replaceAll('/', '_');
    return url === form ? [form] : [form, url];
  });
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
/** `value` URL-encoded (`encodeURIComponent`; a lone surrogate as U+FFFD, where it throws URIError). */
function urlForm(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate: the form URLSearchParams and URL give it (U+FFFD in its place, sr67o #1).
    return encodeURIComponent(value.replace(/\p{Cs}/gu, '\ufffd'));
  }
}
