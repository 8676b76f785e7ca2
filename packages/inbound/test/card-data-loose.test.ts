/**
 * A sequence's logger and error texts, and card numbers written otherwise than as digits in groups of spaces or
 * dashes: with dots, slashes, underscores or commas between their groups, with 4 separators or more, or with their
 * digits as HTML, JSON or URL escapes (a text that came through an HTML encoder, a JSON writer or a URL encoder). Through the endpoint's
 * real logger: none shows more than its first 6 and last 4 digits, whether it is the message's PAN or another card's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient, purchase } from './support/client.js';
import { captureLogs } from './support/logs.js';
import { startEndpoint } from './support/endpoint.js';

const PAN = '4761739001010010';
const OTHER = '5413330089010434';

/** `pan` in groups of 4 joined by `gap`. */
const grouped = (pan: string, gap: string): string => pan.replace(/(\d{4})(?=\d)/g, `$1${gap}`);
/** `pan` with every digit as an HTML character reference (`&#52;`) or a JSON escape (`\u0034`). */
const html = (pan: string): string => [...pan].map((d) => `&#${d.charCodeAt(0)};`).join('');
/** `pan` with every digit as a URL's percent escape (`%34`). */
const url = (pan: string): string => [...pan].map((d) => `%${d.charCodeAt(0).toString(16)}`).join('');
const json = (pan: string): string => [...pan].map((d) => `\\u00${d.charCodeAt(0).toString(16)}`).join('');

/** The log text with its escapes decoded (pino writes `\u0034` as `\\u0034`) and every separator dropped: digits and stars. */
function digitsOf(text: string): string {
  return text
    .replace(/\\+u([0-9a-fA-F*]{4})/g, (_, u: string) => (u.includes('*') ? '*' : String.fromCharCode(parseInt(u, 16))))
    .replace(/&#([0-9*]+);/g, (_, d: string) => (d.includes('*') ? '*' : String.fromCharCode(Number(d))))
    .replace(/%([0-9a-fA-F*]{2})/g, (_, h: string) => (h.includes('*') ? '*' : String.fromCharCode(parseInt(h, 16))))
    .replace(/[ ./_,-]/g, '');
}

test('card data – a sequence that logs or throws a PAN in loose groups or as escapes of its digits shows none of them', async (t) => {
  const logs = captureLogs('info');
  const { port, endpoint } = await startEndpoint(t, {
    logger: logs.logger,
    sequence: (m, context) => {
      const pan = (m.fields as Record<string, string>)['2']!;
      const log = context.logger;
      for (const [name, pan_] of [['own', pan], ['other', OTHER]] as const) {
        log.info(`${name} dots ${grouped(pan_, '.')}`);
        log.info(`${name} slashes ${grouped(pan_, '/')} underscores ${grouped(pan_, '_')} commas ${grouped(pan_, ',')}`);
        log.info(`${name} wide ${grouped(pan_, ' - - ')}`);
        log.info({ body: `<td>${html(pan_)}</td>` }, `${name} html`);
        log.info(`${name} json {"pan":"${json(pan_)}"}`);
        log.info(`${name} url GET /cards/${url(pan_)} and /cards/${grouped(pan_, '%2F')}?n=${grouped(pan_, '%2C')}`);
      }
      // Pieces of the message's own PAN (its first 12 digits, not Luhn-valid, too short for the loose rule) in loose
      // groups, and the PAN itself with gaps that differ (no rule of the codec reads it as one number).
      // A card number in loose groups spelled as the hex of its ASCII bytes in an unmarked field, logged on its own.
      log.info(`hex ${(m.fields as Record<string, string>)['48']!.slice(2)}`);
      const piece = pan.slice(0, 12);
      log.info(`piece dots ${grouped(piece, '.')} slashes ${grouped(piece, '/')} underscores ${grouped(piece, '_')}`);
      log.info(`piece commas ${grouped(piece, ',')} wide ${grouped(piece, ' - - ')}`);
      log.info(`mixed ${pan.slice(0, 4)}.${pan.slice(4, 8)} ${pan.slice(8, 12)}.${pan.slice(12)}`);
      throw new Error(`declined ${grouped(OTHER, '.')} and ${json(OTHER)} for ${html(pan)} at /cards/${url(OTHER)}`);
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await client.request(purchase(1, { 2: PAN, 48: `H=${Buffer.from(grouped(OTHER, '.')).toString('hex')}` }));
  assert.equal(reply.fields['11'], '000001');
  await endpoint.close();
  const text = logs.text();
  assert.match(text, /ISO8583_ERR_INBOUND_SEQUENCE_FAILED/);
  const digits = digitsOf(text);
  for (const pan of [PAN, OTHER]) {
    assert.ok(!digits.includes(pan.slice(6, 12)), `the log shows ${pan.slice(6, 12)} of ${pan}`);
    assert.ok(digits.includes(`${pan.slice(0, 6)}******${pan.slice(-4)}`), `${pan} is not shown masked`);
  }
  assert.match(text, /own dots 4761\.73\*\*\.\*\*\*\*\.0010/);
  assert.match(text, /other slashes 5413\/33\*\*\/\*\*\*\*\/0434 underscores 5413_33\*\*_\*\*\*\*_0434 commas 5413,33\*\*,\*\*\*\*,0434/);
  assert.match(text, /own wide 4761 - - 73\*\* - - \*\*\*\* - - 0010/);
  assert.ok(!text.includes(Buffer.from(grouped(OTHER, '.')).toString('hex')), 'the hex of a card number in loose groups is logged');
  assert.match(text, /hex 353431332e3333\*{4}2e\*{8}2e30343334/);
  assert.match(text, /piece dots \*{4}\.\*{4}\.\*{4} slashes \*{4}\/\*{4}\/\*{4} underscores \*{4}_\*{4}_\*{4}/);
  assert.match(text, /piece commas \*{4},\*{4},\*{4} wide \*{4} - - \*{4} - - \*{4}/);
  assert.match(text, /mixed 4761\.73\*\* \*{4}\.0010/);
  assert.match(text, /&#\*\*;/);
  assert.match(text, /own url GET \/cards\/%34%37%36%31%37%33(%\*\*){6}%30%30%31%30 and \/cards\/4761%2F73\*\*%2F\*{4}%2F0010\?n=4761%2C73\*\*%2C\*{4}%2C0010/);
  assert.match(text, /other url GET \/cards\/%35%34%31%33%33%33(%\*\*){6}%30%34%33%34 and \/cards\/5413%2F33\*\*%2F\*{4}%2F0434/);
  assert.match(text, /\\\\u\*\*\*\*/);
});
