/**
 * Card data that cannot occur by chance, in every sensitive field of a message at once, and a scanner that reads a
 * sink (a log, a file, an HTTP answer) for any trace of it: each value whole, and for a card number any 7 of its
 * digits in a row and those digits spelled as the hex of ASCII or EBCDIC bytes; for binary values their hex (either
 * case) and base64. The card-data sweep (`test/card-data-sweep*.test.ts`) runs the product through its failure paths
 * with {@link canaryMessage} and reads every byte it wrote through {@link findCardData}.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';

/** The card number of field 2 (a Luhn-valid test card). */
export const PAN = '4761739001010010';
/** The card number of field 34, the extended PAN (a second Luhn-valid test card). */
export const PAN_EXTENDED = '5413330089010434';
/** Track 2's discretionary data after the expiry and service code (digits no other field holds). */
export const TRACK2_TAIL = '0000083726159';
/** Track 2 (field 35): PAN, separator, expiry, service code, discretionary data. */
export const TRACK2 = `${PAN}=2912101${TRACK2_TAIL}`;
/** Track 3's data after its separator. */
export const TRACK3_TAIL = '6150938274615093';
/** Track 3 (field 36). */
export const TRACK3 = `01${PAN}=${TRACK3_TAIL}`;
/** The cardholder name of track 1 and of EMV tag 5F20. */
export const CARDHOLDER = 'QUILLFEATHER/ZED';
/** Track 1 (field 45): format code B, PAN, name, expiry, service code, discretionary data. */
export const TRACK1 = `B${PAN}^${CARDHOLDER}^2912101000000000591`;
/** The PIN block (field 52, 8 bytes as hex). */
export const PIN_BLOCK = '9A3F5C7E1B2D4C6E';
/** The card verification value the sweep's dialect carries in field 48 (marked `cvv`). */
export const CVV = 'CVV2:8264';
/** The application cryptogram (EMV tag 9F26) inside field 55. */
export const CRYPTOGRAM = 'C0FFEE5EED1234AB';

/** ASCII text as uppercase hex. */
function asciiHex(text: string): string {
  return Buffer.from(text, 'latin1').toString('hex').toUpperCase();
}

/** Field 55: 9F26 (cryptogram), 9F27, 5A (the PAN), 57 (track 2 equivalent data), 5F20 (cardholder name). */
export const EMV = [
  `9F2608${CRYPTOGRAM}`,
  '9F270180',
  `5A08${PAN}`,
  `5713${PAN}D2912101${TRACK2_TAIL}F`,
  `5F20${CARDHOLDER.length.toString(16).padStart(2, '0').toUpperCase()}${asciiHex(CARDHOLDER)}`,
].join('');

/**
 * A JSON dialect for the sweep: iso87ascii with field 48 marked `cvv` (a private field that carries the CVV2), so that
 * a CVV is one of the sensitive values. Write it to a file and give it as `--dialect`.
 */
export const SWEEP_DIALECT = {
  name: 'sweep',
  extends: 'iso87ascii',
  description: 'iso87ascii with field 48 carrying the CVV2',
  fields: { '48': { name: 'CVV2 DATA', sensitive: 'cvv' } },
};

/** A purchase (or `mti`) with card data in 2, 14, 34, 35, 36, 45, 48 (CVV), 52 and 55; STAN `stan`, terminal `terminal`. */
export function canaryMessage(stan: number, terminal = 'SWEEP001', mti = '0200'): IsoMessage {
  return {
    '0': mti,
    '2': PAN,
    '3': '000000',
    '4': '000000001000',
    '7': '1203153000',
    '11': String(stan).padStart(6, '0'),
    '12': '153000',
    '13': '1203',
    '14': '2912',
    '22': '051',
    '25': '00',
    '34': PAN_EXTENDED,
    '35': TRACK2,
    '36': TRACK3,
    '41': terminal,
    '42': 'SWEEPMERCHANT01',
    '45': TRACK1,
    '48': CVV,
    '49': '840',
    '52': PIN_BLOCK,
    '55': EMV,
  };
}

/** What a sink may hold: the canary's name with why the sink holds it (the documented policy). */
export type Allowed = Partial<Record<CanaryName, string>>;

/** The names of the canaries. */
export type CanaryName = 'PAN' | 'PAN_EXTENDED' | 'TRACK2' | 'TRACK3' | 'TRACK1' | 'CARDHOLDER' | 'CVV' | 'PIN_BLOCK' | 'EMV';

/** One canary: its spellings as regular expressions, each with a label. */
interface Canary {
  name: CanaryName;
  forms: { label: string; pattern: RegExp }[];
}

/** Escapes `text` for a regular expression. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Digits as the hex of their EBCDIC bytes (F0-F9), and track 2's separator `=` as its EBCDIC byte (7E). */
export function ebcdicHex(digits: string): string {
  return digits.replace(/[0-9]/g, (d) => `F${d}`).replaceAll('=', '7E');
}

/**
 * A card number's spellings: any 7 of its digits in a row, and those 7 as the hex of ASCII (`3437...`) or EBCDIC
 * (`F4F7...`) bytes, either case.
 */
function panForms(pan: string): Canary['forms'] {
  const forms: Canary['forms'] = [];
  for (let i = 0; i + 7 <= pan.length; i++) {
    const piece = pan.slice(i, i + 7);
    forms.push({ label: `digits ${i}-${i + 6} (${piece})`, pattern: new RegExp(piece) });
    forms.push({ label: `ASCII hex of digits ${i}-${i + 6}`, pattern: new RegExp(asciiHex(piece), 'i') });
    forms.push({ label: `EBCDIC hex of digits ${i}-${i + 6}`, pattern: new RegExp(ebcdicHex(piece), 'i') });
  }
  return forms;
}

/** A text value's spellings: as it is, and as ASCII hex. */
function textForms(value: string): Canary['forms'] {
  return [
    { label: 'as it is', pattern: new RegExp(literal(value)) },
    { label: 'ASCII hex', pattern: new RegExp(asciiHex(value), 'i') },
  ];
}

/** A binary value's spellings (`hex` its bytes): hex in either case, base64. */
function binaryForms(hex: string): Canary['forms'] {
  return [
    { label: 'hex', pattern: new RegExp(hex, 'i') },
    { label: 'base64', pattern: new RegExp(literal(Buffer.from(hex, 'hex').toString('base64').slice(0, 12))) },
  ];
}

/** Every canary with its spellings. */
const CANARIES: readonly Canary[] = [
  { name: 'PAN', forms: panForms(PAN) },
  { name: 'PAN_EXTENDED', forms: panForms(PAN_EXTENDED) },
  // Track 2 after its separator: the discretionary data, and the expiry with the service code (field 14 alone, the
  // expiry, is not card data to the masks: docs/dialects.md).
  { name: 'TRACK2', forms: [...textForms(TRACK2_TAIL), ...panForms(TRACK2_TAIL.slice(5)), { label: 'expiry and service code', pattern: /2912101/ }] },
  { name: 'TRACK3', forms: [...textForms(TRACK3_TAIL), ...panForms(TRACK3_TAIL)] },
  { name: 'TRACK1', forms: textForms('2912101000000000591') },
  { name: 'CARDHOLDER', forms: textForms(CARDHOLDER) },
  { name: 'CVV', forms: textForms(CVV) },
  { name: 'PIN_BLOCK', forms: binaryForms(PIN_BLOCK) },
  { name: 'EMV', forms: [...binaryForms(CRYPTOGRAM), { label: 'field 55 whole', pattern: new RegExp(EMV.slice(0, 24), 'i') }] },
];

/**
 * Numbers a sink writes that no card data can be: times (pino's `time`, a record's `at`), durations, process ids,
 * ports, and the sample values of `/metrics` (memory sizes, CPU seconds; a metric's labels are kept). Their digits
 * change with every run, so they are taken out before the 7-digit pieces are looked for (else a millisecond time or
 * a heap size that happens to hold `7390010` would fail the sweep once in a while).
 */
const NOISE = /("(?:time|at|pid|latencyMs|elapsedMs|ms|uptime|uptimeMs|startedAt|since|port|offset|bytes)":\s*)[0-9.]+|(127\.0\.0\.1|localhost|\[::1\]):[0-9]+|\b1[0-9]{12}\b/g;
/** A Prometheus sample line: its name and labels (kept), then its value and optional timestamp (taken out). */
const METRIC_SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) [-+0-9.eE]+(?: [0-9]+)?$/gm;

/** Where one canary was found in a sink. */
export interface Finding {
  canary: CanaryName;
  form: string;
  /** The text around the find. */
  context: string;
}

/** Every trace of card data in `text` but the canaries `allowed` names. */
export function findCardData(text: string, allowed: Allowed = {}): Finding[] {
  const scrubbed = text
    .replace(NOISE, (_m, key: string | undefined, host: string | undefined) => (key ?? (host !== undefined ? `${host}:PORT` : 'TIME')))
    .replace(METRIC_SAMPLE, '$1 VALUE');
  const out: Finding[] = [];
  for (const canary of CANARIES) {
    if (allowed[canary.name] !== undefined) continue;
    for (const form of canary.forms) {
      const m = form.pattern.exec(scrubbed);
      if (m !== null) {
        out.push({ canary: canary.name, form: form.label, context: scrubbed.slice(Math.max(0, m.index - 120), m.index + m[0].length + 60) });
        break;
      }
    }
  }
  return out;
}

/** One thing the product wrote: its name (where it was read), its text, and what it may hold. */
export interface Sink {
  name: string;
  text: string;
  allowed: Allowed;
}

/** Fails naming each sink, canary, spelling and the text around it, where a sink holds card data its policy does not allow. */
export function assertSinks(sinks: readonly Sink[]): void {
  const found = sinks.flatMap((sink) => findCardData(sink.text, sink.allowed).map((f) => `${sink.name}: ${f.canary} (${f.form}): ...${f.context}...`));
  assert.deepEqual(found, [], `card data where the policy has none:\n${found.join('\n')}`);
}

/** The policy of the reversal journal: it holds the PAN of field 2, which a reversal carries. */
export const REVERSAL_JOURNAL: Allowed = { PAN: 'a reversal carries field 2 (docs/operations.md, the reversal journal)' };

/**
 * Every file of a journal folder (`--reversal-journal`, a connector's `journalDir`) as a sink, named `label: FILE`:
 * `reversals.jsonl` and its spare may hold the PAN ({@link REVERSAL_JOURNAL}); every other file (the transaction log's
 * day files, the lock) nothing. Quarantine files (`.corrupt-`) are left out: they hold damaged lines byte for byte.
 */
export function folderSinks(dir: string, label: string): Sink[] {
  return readdirSync(dir, { recursive: true }).map(String)
    .filter((f) => statSync(join(dir, f)).isFile() && !f.includes('.corrupt-'))
    .map((f) => ({ name: `${label}: ${f}`, text: readFileSync(join(dir, f), 'latin1'), allowed: f.startsWith('reversals.jsonl') ? REVERSAL_JOURNAL : {} }));
}

/** Fails when `text` does not hold the canary `name` (for a sink that should, so that the scanner is seen to read it). */
export function assertHolds(sink: string, text: string, name: CanaryName): void {
  assert.ok(findCardData(text).some((f) => f.canary === name), `${sink} should hold ${name} (the policy says it does), and does not`);
}
