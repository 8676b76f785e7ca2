/**
 * The card-data sweep of the gateway on other wires: with SocketQueue's names (`--socketqueue`: the smartvista dialect,
 * its PIN block and EMV data as raw bytes, 4 ASCII digits of length, SocketQueue's answer shapes, any content type read
 * as JSON), and with `iso87binary` (BCD numbers, binary bitmap and fields). Card data in every sensitive field
 * (helpers/card-canaries.ts) through an approval, a timeout (the reversal: the original's fields, never track, PIN or
 * EMV data), a malformed answer, bad bodies; then the log file, the journal folder, the answers and the reversals the
 * bank got are read for it. Policy as in card-data-sweep.test.ts (docs/operations.md, "Where card data is kept").
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { responseMti } from '@iso8583/codec';
import type { FramingOptions, IsoMessage } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { exitWithin, startGateway, stopAll } from './helpers/cli.js';
import { PAN, REVERSAL_JOURNAL, TRACK2, assertSinks, canaryMessage, folderSinks } from './helpers/card-canaries.js';
import type { Allowed, Sink } from './helpers/card-canaries.js';
import { packed, startRawBank } from './helpers/raw-bank.js';
import type { RawReply } from './helpers/raw-bank.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-sweep-wires-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** One wire to sweep. */
interface Wire {
  /** The dialect of the gateway's upstream side (and of the bank). */
  dialect: string;
  lengthHeader: FramingOptions['lengthHeader'];
  /** The gateway's flags beyond the common ones. */
  args: string[];
  /** The approval code of the dialect. */
  approved: string;
  /** Fields the dialect takes otherwise than the canary message gives them. */
  fields: IsoMessage;
  /** SocketQueue's HTTP: a POST of any content type to any path is the JSON message, another method 405. */
  socketQueue: boolean;
}

/**
 * A canary purchase on `wire`: no CVV in field 48, which these dialects do not mark (an unmarked private field is
 * shown as it is, its PAN-shaped digit runs masked).
 */
function purchase(wire: Wire, stan: number): IsoMessage {
  const message: IsoMessage = { ...canaryMessage(stan), ...wire.fields };
  delete message['48'];
  return message;
}

/** `bytes` with the amount (field 4, 000000001000, in ASCII or BCD) made of letters or non-digit nibbles. */
function badAmount(bytes: Buffer): Buffer {
  const ascii = bytes.indexOf('000000001000', 0, 'latin1');
  const at = ascii >= 0 ? ascii : bytes.indexOf(Buffer.from('000000001000', 'hex'));
  const out = Buffer.from(bytes);
  if (ascii >= 0) out.write('00000000ABCD', at, 'latin1');
  else out.writeUInt8(0xab, at + 5);
  return out;
}

/** 1xx approve (every field echoed), 3xx silence, 4xx an answer whose field 4 is not digits; reversals approved. */
function bankRule(wire: Wire): (request: IsoMessage) => RawReply {
  return (request) => {
    const answer: IsoMessage = { ...request, '0': responseMti(String(request['0'])) ?? '0210', '39': wire.approved };
    if (String(request['0']).startsWith('04')) return answer;
    const kind = Math.floor(Number(request['11']) / 100);
    if (kind === 3) return undefined;
    if (kind === 4) return badAmount(packed(answer, wire.dialect));
    return answer;
  };
}

const WIRES: Record<string, Wire> = {
  'gateway --socketqueue (smartvista, ascii4)': {
    dialect: 'smartvista', lengthHeader: 'ascii4', args: ['--socketqueue'], approved: '000', socketQueue: true,
    fields: { '14': '002912', '41': '00992468', '42': '123456789012345' },
  },
  'gateway --dialect iso87binary': {
    dialect: 'iso87binary', lengthHeader: 'binary2', args: ['--dialect', 'iso87binary'], approved: '00', socketQueue: false, fields: {},
  },
};

for (const [title, wire] of Object.entries(WIRES)) {
  test(`${title}: answers, logs, journal and reversals hold no card data beyond the policy`, async () => {
    await sweep(title, wire);
  });
}

/** Drives the gateway on `wire` through its paths and reads every sink. */
async function sweep(title: string, wire: Wire): Promise<void> {
  const bank = await startRawBank(bankRule(wire), { dialect: wire.dialect, lengthHeader: wire.lengthHeader });
  after(() => bank.close());
  const dir = mkdtempSync(join(work, 'wire-'));
  const journal = join(dir, 'journal');
  const logFile = join(dir, 'gateway.log');
  const gw = await startGateway([
    ...wire.args, '--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', journal, '--log-file', logFile,
    '--log-level', 'trace', '--log-messages', '--request-timeout', '3000', '--reversal-retry-interval', '300',
  ]);
  const base = `http://${gw.http.host}:${gw.http.port}`;
  const sinks: Sink[] = [];
  const everything: Allowed = { PAN: 'echoed', PAN_EXTENDED: 'echoed', TRACK2: 'echoed', TRACK3: 'echoed', TRACK1: 'echoed', CARDHOLDER: 'echoed', CVV: 'echoed', PIN_BLOCK: 'echoed', EMV: 'echoed' };
  const post = async (name: string, path: string, body: string, type = 'application/json', method = 'POST'): Promise<number> => {
    const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': type }, ...(method === 'POST' ? { body } : {}) });
    sinks.push({ name: `${title}: HTTP ${name} (${res.status})`, text: await res.text(), allowed: res.status < 300 ? everything : {} });
    return res.status;
  };
  assert.equal(await post('POST / JSON', '/', JSON.stringify(purchase(wire, 101))), 200);
  assert.equal(await post('POST /raw', '/raw', packed(purchase(wire, 106), wire.dialect).toString('hex'), 'text/plain'), 200);
  if (wire.socketQueue) assert.equal(await post('POST /pay as a form', '/pay', JSON.stringify(purchase(wire, 102)), 'application/x-www-form-urlencoded'), 200);
  const failures = await Promise.all([
    post('POST / JSON, the bank silent', '/?timeout=1000', JSON.stringify(purchase(wire, 301))),
    post('POST / JSON, a malformed answer', '/', JSON.stringify(purchase(wire, 401))),
  ]);
  for (const status of failures) assert.ok(status >= 500, `a failure: ${status}`);
  assert.equal(await post('POST / JSON, cut', '/', JSON.stringify(purchase(wire, 103)).slice(0, 300)), 400);
  assert.equal(await post('POST / JSON, invalid fields', '/', JSON.stringify({ ...purchase(wire, 104), '2': `${PAN}AB`, '35': `${TRACK2}99` })), 400);
  assert.equal(await post('POST /raw, not hex', '/raw', `${packed(purchase(wire, 105), wire.dialect).toString('hex')}ZZ`, 'text/plain'), 400);
  assert.equal(await post('POST /raw, field 4 not digits', '/raw', badAmount(packed(purchase(wire, 107), wire.dialect)).toString('hex'), 'text/plain'), 400);
  const other = await post(`GET /${PAN}`, `/${PAN}?track=${encodeURIComponent(TRACK2)}`, '', 'application/json', 'GET');
  assert.equal(other, wire.socketQueue ? 405 : 404);
  await waitUntil(() => [301, 401].every((s) => bank.received.some((m) => String(m['0']).startsWith('04') && Number(m['11']) === s)), { what: 'the reversal of each request whose outcome is unknown', timeoutMs: 20_000, intervalMs: 50 });
  for (const m of bank.received.filter((r) => String(r['0']).startsWith('04'))) {
    sinks.push({ name: `${title}: reversal sent to the bank (STAN ${String(m['11'])})`, text: JSON.stringify(m), allowed: REVERSAL_JOURNAL });
  }
  gw.process.kill('SIGTERM');
  await exitWithin(gw.process, 20_000, 'gateway stop');
  const log = readFileSync(logFile, 'utf8');
  assert.match(log, /476173\*{6}0010/, 'the trace names the card masked');
  sinks.push({ name: `${title}: log file`, text: log, allowed: {} }, { name: `${title}: stdout`, text: gw.process.stdout(), allowed: {} }, { name: `${title}: stderr`, text: gw.process.stderr(), allowed: {} });
  sinks.push(...folderSinks(journal, `${title}: journal`));
  assertSinks(sinks);
}
