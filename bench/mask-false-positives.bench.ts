/**
 * Masks' false positives: how often the free-text rule (`maskDigitRuns`) masks a text that holds no card number
 * because of its loose groups (`.`, `/`, `_`, `,` or 4 separators or more between groups: docs/dialects.md), on
 * realistic texts of each kind, generated from a fixed seed (the same figures on every run). A text counts when its
 * mask differs from the mask of the same text with every such gap written as `~` (which joins nothing): what the rule
 * masked before loose groups is not counted (a 12-digit run, an 8- to 11-digit one that passes the Luhn check).
 *
 * Target: 0 for the kinds the rule keeps as they are (amounts with thousands separators and a decimal part or fewer
 * than 13 digits, versions, IP addresses,
 * dates, timestamps, UUIDs, log lines made of them); the others are printed: amounts of 13 digits or more grouped by
 * thousands without a decimal part (a card number so written looks the same), lists and table rows of 4- to 6-digit
 * numbers, of which those of 3 or 4 numbers look like a card number in loose groups and pass its check one time in ten
 * (`met`/`NOT met`, exit 1 when missed).
 *
 * Run: `npx tsc -b bench && node bench/dist/mask-false-positives.bench.js` (or `npm run bench mask-false`).
 */
import { maskDigitRuns } from '@iso8583/codec';

const TEXTS = 20_000;

/** A small deterministic generator (mulberry32): the same texts on every run. */
let seed = 0x8583;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join('');

/**
 * An amount with thousands separators: with a decimal part or fewer than 13 digits (`wide` false), kept as it is; of
 * 13 digits or more without one (`wide`), written as a card number grouped by thousands is (`4,111,111,111,111,111`),
 * which the rule masks when it passes the Luhn check: one time in ten.
 */
function amount(wide = false): string {
  const digits = String(int(1, 9)) + Array.from({ length: wide ? int(12, 17) : int(3, 17) }, () => String(int(0, 9))).join('');
  const [thousands, decimal] = pick([[',', '.'], ['.', ','], ['_', '.'], [',', '.']] as const);
  const fraction = `${decimal}${pad(int(0, 99), 2)}`;
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, thousands) + (wide ? '' : digits.length >= 13 ? fraction : pick(['', fraction]));
}
const version = (): string => `${pick(['v', 'node ', 'openssl ', ''])}${Array.from({ length: int(2, 4) }, () => int(0, pick([9, 99, 999]))).join('.')}`;
const ip = (): string => `${int(1, 255)}.${int(0, 255)}.${int(0, 255)}.${int(0, 255)}${pick(['', `:${int(1, 65535)}`])}`;
function date(): string {
  const [y, m, d] = [int(1990, 2099), pad(int(1, 12), 2), pad(int(1, 28), 2)];
  return pick([`${y}/${m}/${d}`, `${d}.${m}.${y}`, `${m}/${d}/${y}`, `${y}.${m}.${d}`, `${y}_${m}_${d}`]);
}
const time = (): string => `${pad(int(0, 23), 2)}:${pad(int(0, 59), 2)}:${pad(int(0, 59), 2)}.${pad(int(0, 999), 3)}`;
const timestamp = (): string => `${date()}${pick([' ', 'T', '_', '-'])}${time()}`;
const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
function logLine(): string {
  return `${timestamp()} INFO [worker-${int(1, 16)}] ${pick(['GET', 'POST'])} /api/v${int(1, 3)}/orders/${int(1, 99999)} from ${ip()} ` +
    `took ${int(0, 9999)}.${pad(int(0, 999), 3)} ms, ${amount()} EUR, id ${uuid()}, build ${version()}`;
}
const list = (digits: () => number, separator: () => string): string =>
  Array.from({ length: int(3, 8) }, () => String(int(10 ** (digits() - 1), 10 ** digits() - 1))).join(separator());
const ports = (): string => list(() => 4, () => pick([',', ', ']));
const csvRow = (): string => list(() => int(1, 6), () => ',');
const table = (): string => list(() => 4, () => ' '.repeat(int(4, 8)));

/** The kinds of text, and whether the rule promises to keep every one of them as it is. */
const KINDS: ReadonlyArray<readonly [string, () => string, boolean]> = [
  ['amounts with thousands separators (1,234,567.89; 1.234.567,89; 1_000_000)', () => amount(), true],
  ['amounts of 13 digits or more by thousands, no decimal part (1,234,567,890,123)', () => amount(true), false],
  ['versions (v1.2.3, node 20.11.1)', version, true],
  ['IP addresses, with a port or not', ip, true],
  ['lists of IP addresses (10.0.0.1,10.0.0.2)', () => list(() => 1, () => ',').replace(/\d+/g, () => ip()), true],
  ['dates (2026/12/03, 03.12.2026, 12/03/2026)', date, true],
  ['timestamps (2026/12/03 12:24:56.123)', timestamp, true],
  ['UUIDs', uuid, true],
  ['log lines of all of these', logLine, true],
  ['lists of 4-digit numbers (ports: 8080,8443,9090)', ports, false],
  ['CSV rows of 1- to 6-digit numbers', csvRow, false],
  ['tables of 4-digit numbers (4 to 8 spaces apart)', table, false],
];

/** `text` with every gap that joins loose groups and not numbers in groups as `~` (as many), joining nothing. */
function withoutLooseGaps(text: string): string {
  return text.replace(/[./_,:|']/g, '~').replace(/(?:[ \t+-]|%2[0dDbB]){4,}/g, (gap) => '~'.repeat(gap.length));
}

let missed = 0;
for (const [name, make, promised] of KINDS) {
  let masked = 0;
  let example = '';
  for (let i = 0; i < TEXTS; i++) {
    const text = make();
    const loose = maskDigitRuns(text);
    const before = maskDigitRuns(withoutLooseGaps(text));
    if ([...loose].some((c, k) => c === '*' && before[k] !== '*')) {
      masked++;
      example ||= `${text} -> ${loose}`;
    }
  }
  const rate = (100 * masked) / TEXTS;
  const met = !promised || masked === 0;
  if (!met) missed++;
  console.log(`${name}: ${rate.toFixed(2)}% of ${TEXTS} masked by loose groups${promised ? `; target 0: ${met ? 'met' : 'NOT met'}` : ''}` +
    (example === '' ? '' : ` (e.g. ${example})`));
}
process.exit(missed === 0 ? 0 : 1);
