// What a sequence logs under a field owner (`response`, `reply`, `request`, `fields`, `message`) is masked for any
// message, whatever its shape: an object, an XML or JSON document as a string (a connector's `sendMessage(xml)`
// answer), an array of messages, plain text. The logger's own redaction (an app's `password`, the `iso8583` command's
// `*.fields["2"]`) applies to sequence lines as to its own, and a child made with a `redact` of its own still masks
// card data. Real endpoint, real client; each sequence logs while it runs and the test reads the lines it wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { toXml } from '@iso8583/codec';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';

const OTHER = '5413330089010434';
const PIN = 'A1B2C3D4E5F6A7B8';
const EMV = '910A1122334455667788990071129F1804AABBCCDD860A84DA00000A11223344';
const host = { 0: '0210', 2: OTHER, 11: '000001', 39: '00', 41: 'TERM0001', 52: PIN, 55: EMV };
const SECRETS = [OTHER, PIN, '1122334455667788', '9F1804AABBCCDD'];

/** A pino logger writing into `lines`, with `redact` as given. */
function memoryLogger(redact?: string[]): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
      callback();
    },
  });
  return { logger: pino(redact === undefined ? {} : { redact }, stream), lines };
}

/** Runs `log` inside a sequence (one purchase answered 00) and returns the lines written. */
async function logged(t: Parameters<typeof startEndpoint>[0], log: (logger: Logger) => void, redact?: string[]): Promise<Record<string, unknown>[]> {
  const { logger, lines } = memoryLogger(redact);
  const sequence: Sequence = (m, context) => {
    log(context.logger);
    return { ...m.fields, 0: '0210', 39: '00' };
  };
  const { port } = await startEndpoint(t, { sequence, logger });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await within(client.request(purchase(1)), 5_000, 'no reply')).fields['39'], '00');
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

function assertMasked(lines: Record<string, unknown>[], msgs: string[]): void {
  for (const msg of msgs) {
    const line = lines.find((l) => l.msg === msg);
    assert.ok(line !== undefined, `no line "${msg}"`);
    const text = JSON.stringify(line);
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `${msg}: ${secret} in clear: ${text}`);
  }
}

test('sequence logger – documents, arrays and text under the field owners are masked for any message', async (t) => {
  const xml = toXml(host);
  const cases: Record<string, Record<string, unknown>> = {
    'response: XML': { response: xml },
    'response: XML after blanks': { response: `\n  ${xml}` },
    'response: JSON text': { response: JSON.stringify(host) },
    'response: JSON array text': { response: JSON.stringify([host]) },
    'reply: XML': { reply: xml },
    'request: XML': { request: xml },
    'message: XML': { message: xml },
    'fields: JSON text': { fields: JSON.stringify(host) },
    'response: [object]': { response: [host] },
    'response: [XML]': { response: [xml] },
    // Free text (no field to go by): PAN-shaped digit runs are masked.
    'response: text': { response: `bank said approved for ${OTHER}` },
    'response: broken JSON': { response: `{"2":"${OTHER}","39":"00"` },
  };
  const lines = await logged(t, (logger) => {
    for (const [msg, record] of Object.entries(cases)) logger.info(record, msg);
    logger.child({ response: xml }).info('bound XML');
  });
  assertMasked(lines, [...Object.keys(cases), 'bound XML']);
  const json = lines.find((l) => l.msg === 'response: JSON text')?.response;
  assert.equal(typeof json, 'string', 'JSON text stays JSON text');
  assert.match(json as string, /"2":"541333\*{6}0434"/);
  assert.match(lines.find((l) => l.msg === 'response: XML')?.response as string, /<field id="2">541333\*{6}0434<\/field>/);
  assert.match(lines.find((l) => l.msg === 'response: text')?.response as string, /^bank said approved for 541333/);
});

test('sequence logger – the logger\'s own redaction applies to sequence lines (an app\'s paths, the iso8583 command\'s)', async (t) => {
  const lines = await logged(
    t,
    (logger) => {
      logger.info({ password: 'hunter2', headers: { authorization: 'Bearer s3cr3t' } }, 'secrets');
      logger.info({ upstream: { fields: { 0: '0210', 2: OTHER, 39: '00', 52: PIN } } }, 'nested');
    },
    ['password', 'headers.authorization', '*.fields["2"]', '*.fields["52"]'],
  );
  const secrets = lines.find((l) => l.msg === 'secrets') as { password?: string; headers?: { authorization?: string } };
  assert.deepEqual([secrets.password, secrets.headers?.authorization], ['[Redacted]', '[Redacted]']);
  const nested = lines.find((l) => l.msg === 'nested') as { upstream?: { fields?: Record<string, string> } };
  assert.deepEqual([nested.upstream?.fields?.['2'], nested.upstream?.fields?.['52']], ['[Redacted]', '[Redacted]']);
});

test('sequence logger – a child with a redact of its own still masks card data under the field owners', async (t) => {
  const lines = await logged(t, (logger) => {
    logger.child({ step: 'bank' }, { redact: ['password'] }).info({ response: host, password: 'x' }, 'own redact');
  });
  assertMasked(lines, ['own redact']);
  assert.equal(lines.find((l) => l.msg === 'own redact')?.password, '[Redacted]');
});
