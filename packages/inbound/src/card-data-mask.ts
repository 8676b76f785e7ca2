import { groupedNumber, maskFreeText, maskGroupedNumbers, maskPan } from '@iso8583/codec';
import type { Dialect, IsoMessage } from '@iso8583/codec';
import { CardDataForms, PAN_PIECE } from './card-data-forms.js';
import { maskedCopy } from './masked-copy.js';

/**
 * The most digit runs of unmarked fields searched for one by one (each in several forms). A message with more (a
 * hostile client filling every private field with numbers) would make every log call of its sequence search
 * thousands of forms; past this many, every log string is masked wholesale instead (see {@link CardDataMask.text}).
 */
export const MAX_EXACT_RUNS = 32;

/** The hex of 8 or more digits as ASCII (`3x`) or EBCDIC (`Fx`) bytes, either case: a digit run in a byte dump. */
const DIGIT_RUN_HEX = /(?:3[0-9]){8,}|(?:[Ff][0-9]){8,}/g;

/**
 * The work {@link CardDataMask.text} does itself, counted (`steps`: the characters each of its scans may read; the
 * codec's masks it calls count their own), and the masks made (`builds`: {@link CardDataMask.of}): its tests check that
 * the cost grows linearly with the text, and that a message's mask is made once, deterministically where a clock on a
 * busy machine is not. Internal: not exported from the package's index.
 */
export const cardDataMaskWork = { steps: 0, builds: 0 };

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
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
 * its data objects replaced (card-data-forms.ts finds every form). Whatever the message: every number written in groups of 13 digits
 * or more (`4761 7390 0101 0010`, the codec's `maskGroupedNumbers`; in loose groups that pass the Luhn check,
 * `4761.7390.0101.0010`; a number written as HTML or JSON escapes of its digits, whole runs too) is masked, and every number (whole or in groups)
 * holding 7 digits in a row of one of the message's PANs (fields 2 and 34, the PAN of its track data, EMV tag 5A) is
 * hidden.
 */
export class CardDataMask {
  /** Every form and its mask, longest first (a track is replaced whole before the PAN inside it is looked for). */
  readonly #forms: ReadonlyArray<readonly [string, string]>;
  /** The shortest form: a shorter string holds none. */
  readonly #shortest: number;
  /** PAN-shaped digit runs of unmarked fields; past {@link MAX_EXACT_RUNS}, text is masked wholesale. */
  readonly #runs: number;
  /**
   * Every run of {@link PAN_PIECE} digits of the message's PANs (fields 2 and 34, the PAN of track data, EMV tag 5A): a
   * number (whole or in groups) that holds one is hidden too.
   */
  readonly #pieces: ReadonlySet<string>;
  /** The message's PANs themselves. */
  readonly #pans: ReadonlySet<string>;

  private constructor(found: CardDataForms) {
    this.#forms = [...found.replacements].sort((a, b) => b[0].length - a[0].length);
    this.#shortest = this.#forms.length === 0 ? Infinity : this.#forms[this.#forms.length - 1]![0].length;
    this.#runs = found.runs;
    this.#pieces = found.pieces;
    this.#pans = found.pans;
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
  static of(fields: IsoMessage | readonly IsoMessage[], dialect: Dialect): CardDataMask {
    cardDataMaskWork.builds++;
    return new CardDataMask(CardDataForms.of(fields, dialect, MAX_EXACT_RUNS));
  }

  /**
   * `text` with every occurrence of the message's card data replaced by its mask, every number (whole or in groups)
   * holding 7 digits in a row of one of its PANs as stars (`pan.slice(0, 12)`, `4761 7390 0101`; 6 digits, the BIN,
   * and the last 4 are shown), and every number in groups of 13 digits or more masked as a PAN (the codec's
   * `maskGroupedNumbers`: a PAN formatted `4761 7390 0101 0010`, of this message or any other). When the message had
   * more digit runs than {@link MAX_EXACT_RUNS} ({@link wholesale}), also every digit run that could be a PAN (the
   * codec's `maskDigitRuns`), the hex of every run of 8 or more digits as ASCII or EBCDIC bytes (as stars), and every
   * PAN-shaped number spelled in such hex with its byte pairs apart (`F4 F7 F6 ...`: the codec's free-text view,
   * `maskFreeText`), whatever message it came from.
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
    if (this.wholesale) return maskFreeText(out.replace(DIGIT_RUN_HEX, (hex) => '*'.repeat(hex.length)));
    return maskGroupedNumbers(out);
  }

  /**
   * `text` with every number (a digit run, or runs in groups, loose groups too: the codec's `groupedNumber` with
   * `loose`, `4761.7390.0101`) that holds 7 digits in a row of one of the message's PANs as stars, separators kept: a
   * PAN sliced (`pan.slice(0, 12)`), glued to other digits or written in groups. One of the PANs itself so read is
   * masked as a PAN (`maskPan`: first 6 and last 4 shown), separators kept: its gaps may differ (`4761.7390 0101.0010`),
   * which no rule of the codec reads as one number. One pass; each number is looked at once.
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
      }, true);
      cardDataMaskWork.steps += i - start;
      if (digits.length < PAN_PIECE) continue;
      // One of the PANs itself shows its BIN and last 4 (of a longer or shorter number it would show digits from the
      // middle of the PAN); any other number that holds a piece of one, none.
      const shown = this.#pans.has(digits) ? maskPan(digits) : this.#holdsPiece(digits) ? undefined : digits;
      if (shown === digits) continue;
      let at = start;
      let d = 0;
      out += text.slice(copied, start);
      groupedNumber(text, start, (from, to) => {
        out += text.slice(at, from) + (shown === undefined ? '*'.repeat(to - from) : shown.slice(d, d + to - from));
        d += to - from;
        at = to;
      }, true);
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
    return maskedCopy(input, (text) => this.text(text));
  }
}
