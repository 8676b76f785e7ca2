/**
 * Only test card numbers appear in the repository (docs/getting-started.md says so): every digit run of 13 to 19
 * digits that passes the Luhn check, in any file of the source tree (generated and installed folders left out), is a
 * published test card number, or a run a file names below as no card number at all (a date, hex of ASCII text, a
 * synthetic run of a masking test). A Luhn-valid number of a real BIN (485078...) sat in a codec test. A run is
 * read where a card number stands in text: on its own, before track 2's separator (`=`, or `D` in a track 2 written as
 * hex or a jPOS dump), and inside an LL (or LLL) prefixed digit run of an ASCII dump (`16` + 16 digits).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '@iso8583/test-support';

/** Published test card numbers (card schemes', acquirers' and payment providers' test sets). */
const TEST_CARDS = new Set([
  '4111111111111111', '4012888888881881', '4222222222222', '4242424242424242', '4000000000000002',
  '4761739001010010', '4761739001010119', '4761739001010267',
  '5500000000000004', '5555555555554444', '5105105105105100', '5413330089010434',
  '378282246310005', '6011111111111117', '6011000990139424',
]);

/** Runs that pass the Luhn check and are no card number, by the file that holds them. */
const NOT_CARDS: Readonly<Record<string, readonly string[]>> = {
  // Dates and times, hex of ASCII text, a test card number with digits after it.
  'packages/cli/test/logger.test.ts': ['2600000000000000'],
  'packages/inbound/test/card-data.test.ts': ['2600000000000000'],
  'packages/cli/test/send-jpos-dump.test.ts': ['4142434445464748'],
  'packages/connector/test/fastify-plugin-xml-read.test.ts': ['4142434445464748'],
  'packages/codec/test/encoding.test.ts': ['433030303030313030'],
  'packages/codec/test/card-data-guard.test.ts': ['2512101000000'],
  'packages/codec/test/recover.test.ts': ['30121010000000000'],
  'packages/inbound/test/card-data-emv.test.ts': ['2512201114380448'],
  'packages/codec/test/digit-escapes.test.ts': ['45793660490001'],
  'packages/codec/test/xml-write-template.test.ts': ['5555555555554444000'],
  'packages/codec/test/jpos-icc-data.test.ts': ['4000000000000200'],
  // Digit runs inside EMV data, made to look like card numbers for the masking test.
  'packages/codec/test/emv-safety.test.ts': ['4180191487080161', '4316196388500560', '4723957976298009'],
};

/** Folders that are not the source tree: installed, generated, built. */
const SKIPPED = new Set(['node_modules', 'dist', 'coverage', '.git', '.bench-out', 'generated']);

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Digit runs standing alone: not inside a word, but for a `D` (`d`) after them (track 2's separator in hex). */
const DIGIT_RUN = /(?<![0-9A-Za-z])[0-9]{13,22}(?![0-9A-CE-Za-ce-z])/g;

/** Card-number-shaped: 13 to 19 digits from a major industry digit 2-6. */
const CARD_SHAPED = /^[2-6][0-9]{12,18}$/;

/**
 * The card-number-shaped runs of `text` that pass the Luhn check: each digit run, and its inner run when it starts
 * with a 2- or 3-digit length prefix that equals the length of the rest (an LL or LLL field in an ASCII dump).
 */
function luhnRuns(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(DIGIT_RUN)) {
    const run = m[0];
    const candidates = [run];
    for (const width of [2, 3]) if (Number(run.slice(0, width)) === run.length - width) candidates.push(run.slice(width));
    for (const c of candidates) if (CARD_SHAPED.test(c) && luhn(c)) out.push(c);
  }
  return out;
}

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED.has(entry.name)) yield* files(join(dir, entry.name));
    } else if (entry.isFile()) yield join(dir, entry.name);
  }
}

test('every Luhn-valid digit run of 13 to 19 digits in the repository is a test card number', () => {
  const root = repoRoot();
  const found: string[] = [];
  for (const file of files(root)) {
    if (statSync(file).size > 4_000_000) continue;
    const bytes = readFileSync(file);
    if (bytes.includes(0)) continue;
    const name = relative(root, file).split('\\').join('/');
    // This file: the lists above.
    if (name === 'test/repository-card-numbers.test.ts') continue;
    for (const run of luhnRuns(bytes.toString('utf8'))) {
      if (TEST_CARDS.has(run) || NOT_CARDS[name]?.includes(run) === true) continue;
      // Named by the file and the first six and last four digits only: the test's own output holds no card number.
      found.push(`${name}: ${run.slice(0, 6)}...${run.slice(-4)}`);
    }
  }
  assert.deepEqual(found, [], 'card numbers that are no published test number');
});

test('the scan reads a PAN before track 2\'s D separator and inside an LL-prefixed run of an ASCII dump', () => {
  assert.deepEqual(luhnRuns('35=4111111111111111D25121010000000000'), ['4111111111111111']);
  assert.deepEqual(luhnRuns('track2 4111111111111111d2512'), ['4111111111111111']);
  assert.deepEqual(luhnRuns('0200...164111111111111111...'), ['4111111111111111']);
  assert.deepEqual(luhnRuns('0165555555555554444'), ['5555555555554444'], 'an LLL prefix');
  assert.deepEqual(luhnRuns('4111111111111111X 4111111111111111000'), [], 'inside a word, or digits after it');
});
