// The `iso8583` command's error line and a card number written otherwise than as digits in groups of spaces or dashes:
// with dots, slashes, underscores or commas between its groups, with 4 separators or more, or with its digits as HTML
// or JSON escapes. An unknown dialect's name is quoted in the error line (as JSON writes it: `\u0034` is `\\u0034`);
// none of the card's digits beyond the first 6 and last 4 may show. The real binary for one of each, the command
// lines of the rest in one process (helpers/main-batch.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './cli-process.js';
import { mainBatch } from './helpers/main-batch.js';

const PAN = '4111111111111111';
const batch = mainBatch();

const html = [...PAN].map((d) => `&#${d.charCodeAt(0)};`).join('');
const htmlHex = [...PAN].map((d) => `&#x${d.charCodeAt(0).toString(16)};`).join('');
const json = [...PAN].map((d) => `\\u00${d.charCodeAt(0).toString(16)}`).join('');

/** Each form of the PAN, and the error line's quote of it masked. */
const FORMS: ReadonlyArray<readonly [string, string]> = [
  ['4111.1111.1111.1111', '4111.11**.****.1111'],
  ['4111_1111_1111_1111', '4111_11**_****_1111'],
  ['5413/3300/8901/0434', '5413/33**/****/0434'],
  ['4111,1111,1111,1111', '4111,11**,****,1111'],
  ['4111 - - 1111 - - 1111 - - 1111', '4111 - - 11** - - **** - - 1111'],
  [html, `${html.slice(0, 30)}${'&#**;'.repeat(6)}${html.slice(-20)}`],
  [htmlHex, `${htmlHex.slice(0, 36)}${'&#x**;'.repeat(6)}${htmlHex.slice(-24)}`],
  // The dialect's name is quoted as JSON writes it: each backslash doubled.
  [json, `${json.slice(0, 36)}${'\\u****'.repeat(6)}${json.slice(-24)}`.replace(/\\/g, '\\\\')],
];

/** The digits a form spells (its escapes decoded), and the line's quote read the same way. */
function spelled(text: string): string {
  return text.replace(/&#x([0-9a-f]+);|\\+u([0-9a-f]{4})/gi, (_, hex: string | undefined, u: string | undefined) => String.fromCharCode(parseInt((hex ?? u)!, 16)))
    .replace(/&#([0-9]+);/g, (_, d: string) => String.fromCharCode(Number(d)));
}

const lines = FORMS.map(([form]) => batch.line(['encode', '--dialect', form], '{}'));

test('a PAN in loose groups or written as escapes of its digits, quoted in an error line, shows its first 6 and last 4 digits at most', async () => {
  for (const [k, [form, masked]] of FORMS.entries()) {
    const r = await lines[k]!();
    assert.equal(r.code, 1, form);
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_DIALECT_UNKNOWN: /);
    const quoted = form === json ? form.replace(/\\/g, '\\\\') : form;
    assert.ok(!r.stderr.includes(quoted), `${form} is in ${r.stderr}`);
    assert.ok(r.stderr.includes(`"${masked}"`), `${masked} not in ${r.stderr}`);
    const digits = spelled(r.stderr).replace(/[^0-9*]/g, '');
    assert.ok(!digits.includes('1111111') && !digits.includes('3300890'), `the line spells ${digits}`);
  }
});

test('the real binary: a PAN with dots between its groups, and one as JSON escapes, are masked in its error line', async () => {
  for (const [form, masked] of [FORMS[0]!, FORMS[7]!]) {
    const r = await runCli(['decode', '--dialect', form]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, 'one line on stderr');
    assert.ok(r.stderr.includes(`"${masked}"`), `${masked} not in ${r.stderr}`);
  }
});
