// The connector records every request once with its outcome (approved, declined, timeout, error, reversed), the PAN
// masked and no sensitive data in the stored bytes; an upstream group records under each upstream's name, once per
// request even when it was tried on a second upstream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { FileTransactionLog, TransactionRecorder, createConnector, createUpstreamGroup } from '../src/index.js';
import type { ReversalEvent, TransactionRecord, UpstreamGroup } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import { pino } from 'pino';

function folder(t: { after(fn: () => void): void }, name: string): string {
  const d = mkdtempSync(join(tmpdir(), `iso8583-${name}-`));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Every byte the log's folder holds, as text. */
function storedBytes(dir: string): string {
  return readdirSync(dir)
    .filter((n) => n.startsWith('transactions-'))
    .map((n) => readFileSync(join(dir, n), 'utf8'))
    .join('');
}

const TRACK2 = '4111111111111111=29122010000000000000';
const PIN_BLOCK = '0123456789ABCDEF';
const EMV = '9F2608C0FFEE00112233449F2701809F360200A1';
const F48 = 'SECRET-ADDITIONAL-DATA-48';

/** A purchase carrying every kind of sensitive data. */
function sensitivePurchase(stan: string, amount = '000000001000'): IsoMessage {
  return { ...purchase(stan, 'TERM0001', amount), '12': '103000', '13': '1121', '37': `RRN${stan}000`, '42': 'MERCHANT0000001', '48': F48, '52': PIN_BLOCK, '55': EMV };
}

test('approved, declined, timeout and reversed are each recorded once, with the fields of the record and no card data', async (t) => {
  const logDir = folder(t, 'txlog');
  const journalDir = folder(t, 'journal');
  let reversalAnswers = 0;
  const peer = await startPeer((r, p) => {
    const m = r.message;
    if (m['0'] === '0400' || m['0'] === '0401') {
      reversalAnswers += 1;
      p.send(r.socket, answer(m));
    } else if (m['11'] === '000001') p.send(r.socket, answer(m, { '38': 'AUTH01' }));
    else if (m['11'] === '000002') p.send(r.socket, answer(m, { '39': '51' }));
    // 000003: never answered (timeout, then reversed)
  });
  const log = new FileTransactionLog(logDir);
  const connector = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 200,
    node: 'node-a',
    transactionLog: log,
    reversal: { enabled: true, journalDir, retryInterval: 100 },
  });
  t.after(async () => {
    await connector.destroy();
    await log.close();
    await peer.close();
  });
  const reversed = new Promise<void>((resolve) => connector.on('reversal', (e: ReversalEvent) => e.stage === 'answered' && resolve()));
  assert.equal((await connector.request(sensitivePurchase('000001')))['39'], '00');
  assert.equal((await connector.request(sensitivePurchase('000002')))['39'], '51');
  await assert.rejects(connector.request(sensitivePurchase('000003')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await reversed;
  assert.equal(reversalAnswers, 1);

  const records = await log.query({});
  const byKey = (r: TransactionRecord): string => `${r.mti}/${r.stan}/${r.outcome}`;
  assert.deepEqual(records.map(byKey).sort(), ['0200/000001/approved', '0200/000002/declined', '0200/000003/timeout', '0400/000003/reversed']);
  const approved = records.find((r) => r.outcome === 'approved') as TransactionRecord;
  assert.equal(approved.node, 'node-a');
  assert.equal(approved.upstream, `127.0.0.1:${peer.port}`);
  assert.equal(approved.pan, '411111******1111');
  assert.equal(approved.responseMti, '0210');
  assert.equal(approved.responseCode, '00');
  assert.equal(approved.authCode, 'AUTH01');
  assert.equal(approved.processingCode, '000000');
  assert.equal(approved.amount, '000000001000');
  assert.equal(approved.currency, '840');
  assert.equal(approved.transmissionTime, '1121103000');
  assert.equal(approved.localTime, '103000');
  assert.equal(approved.localDate, '1121');
  assert.equal(approved.rrn, 'RRN000001000');
  assert.equal(approved.terminal, 'TERM0001');
  assert.equal(approved.merchant, 'MERCHANT0000001');
  assert.ok(approved.latencyMs >= 0);
  const declined = records.find((r) => r.outcome === 'declined') as TransactionRecord;
  assert.equal(declined.responseCode, '51');
  const timeout = records.find((r) => r.outcome === 'timeout') as TransactionRecord;
  assert.equal(timeout.errorCode, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal(timeout.responseCode, undefined);
  assert.ok(timeout.latencyMs >= 200);
  const reversal = records.find((r) => r.outcome === 'reversed') as TransactionRecord;
  assert.equal(reversal.responseMti, '0410');
  assert.equal(reversal.responseCode, '00');
  assert.equal(reversal.pan, '411111******1111');

  const bytes = storedBytes(logDir);
  for (const secret of ['4111111111111111', TRACK2, '29122010000000000000', PIN_BLOCK, EMV, F48, '9F2608C0FFEE']) {
    assert.equal(bytes.includes(secret), false, `the stored bytes hold ${secret.slice(0, 4)}...`);
  }
});

test('a request refused at the door is recorded as an error with its code', async (t) => {
  const logDir = folder(t, 'txlog');
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const log = new FileTransactionLog(logDir);
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, transactionLog: log });
  t.after(async () => {
    await connector.destroy();
    await log.close();
    await peer.close();
  });
  await connector.connect();
  await assert.rejects(connector.request(purchase('000007'), { timeout: 0 }), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS' });
  const [record] = await log.query({ stan: '000007' });
  assert.equal(record?.outcome, 'error');
  assert.equal(record?.errorCode, 'ISO8583_ERR_CONNECTOR_OPTIONS');
  assert.equal((await log.query({})).length, 1);
});

test('by default the log lives in the reversal journal folder; transactionLog: false keeps none', async (t) => {
  const journalDir = folder(t, 'journal');
  const plainDir = folder(t, 'journal-plain');
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir } });
  const quiet = createConnector({ name: 'quiet', host: '127.0.0.1', port: peer.port, transactionLog: false, reversal: { enabled: true, journalDir: plainDir } });
  t.after(async () => {
    await connector.destroy();
    await quiet.destroy();
    await peer.close();
  });
  await connector.request(purchase('000011'));
  await quiet.request(purchase('000012'));
  const log = connector.transactions?.log as FileTransactionLog;
  assert.equal(log.dir, journalDir);
  assert.deepEqual((await log.query({})).map((r) => r.stan), ['000011']);
  assert.equal(quiet.transactions, undefined);
  await connector.close();
  await quiet.close();
  assert.match(storedBytes(journalDir), /"stan":"000011"/);
  assert.equal(storedBytes(plainDir), '');
  assert.ok(!readdirSync(journalDir).includes('transactions.lock'), 'the connector closed the log it made');
});

test('an upstream group records under each upstream name, once per request tried on a second upstream', async (t) => {
  const logDir = folder(t, 'txlog');
  let held: (() => void) | undefined;
  const a = await startPeer((r, p) => {
    if (r.message['0'] === '0800') return p.send(r.socket, answer(r.message));
    held = () => p.send(r.socket, answer(r.message));
  });
  const b = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const log = new FileTransactionLog(logDir);
  const reconnect = { initialDelay: 10, maxDelay: 50 };
  const group: UpstreamGroup = createUpstreamGroup({
    upstreams: [
      { name: 'primary', host: '127.0.0.1', port: a.port, reconnect, transactionLog: log, mode: 'exclusive', pool: { min: 1, max: 1, acquireTimeout: 50 } },
      { name: 'backup', host: '127.0.0.1', port: b.port, reconnect, transactionLog: log },
    ],
  });
  t.after(async () => {
    await group.destroy();
    await log.close();
    await a.close();
    await b.close();
  });
  await group.connect();
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (group.healthy().length === 2) resolve();
    };
    group.on('up', check);
    check();
  });
  const first = group.request(purchase('800001'));
  await a.waitFor(1);
  // The primary's only connection is busy: 800002 fails there (never written) and goes to the backup.
  assert.equal((await group.request(purchase('800002')))['39'], '00');
  held?.();
  assert.equal((await first)['39'], '00');
  const records = await log.query({});
  assert.deepEqual(records.map((r) => `${r.stan}@${r.upstream}:${r.outcome}`).sort(), ['800001@primary:approved', '800002@backup:approved']);
});

test('a request routed to an upstream that is down is recorded once, as an error of that upstream', async (t) => {
  const logDir = folder(t, 'txlog');
  const b = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  // An address nothing listens on: the upstream never comes up.
  const closed = await startPeer(() => undefined);
  const port = closed.port;
  await closed.close();
  const log = new FileTransactionLog(logDir);
  const group = createUpstreamGroup({
    upstreams: [
      { name: 'visa', host: '127.0.0.1', port, transactionLog: log, reconnect: { initialDelay: 1000, maxDelay: 1000 } },
      { name: 'other', host: '127.0.0.1', port: b.port, transactionLog: log },
    ],
    routes: [{ pan: '4', upstream: 'visa' }],
  });
  t.after(async () => {
    await group.destroy();
    await log.close();
    await b.close();
  });
  await group.started();
  // Refused at once once its first attempt failed (UPSTREAM_DOWN), or, while that attempt is still under way, after
  // waiting for it (CONNECT_FAILED): either way one record, an error of that upstream, with the code the caller got.
  const code = await group.request(purchase('700001')).then(
    () => undefined,
    (err: { code?: string }) => err.code,
  );
  assert.ok(code === 'ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN' || code === 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED', String(code));
  const records = await log.query({});
  assert.deepEqual(records.map((r) => `${r.stan}@${r.upstream}:${r.outcome}:${r.errorCode}`), [`700001@visa:error:${code}`]);
});

/**
 * A connector (connected) to a peer that approves everything, recording to a file transaction log in a fresh folder,
 * logging at info into `lines`; all closed after the test.
 */
async function recordingConnector(t: { after(fn: () => unknown): void }) {
  const logDir = folder(t, 'txlog');
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const log = new FileTransactionLog(logDir);
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, transactionLog: log, logger });
  t.after(async () => {
    await connector.destroy();
    await log.close();
    await peer.close();
  });
  await connector.connect();
  return { logDir, log, lines, logger, connector };
}

test('a request refused for a value its field cannot carry is still recorded once, that value left out, and no value reaches the log', async (t) => {
  const { logDir, log, lines, connector } = await recordingConnector(t);
  // Field 4 of 13 digits, field 41 of 9 characters, a card number in field 42's place of 15: each refused by the codec.
  await assert.rejects(connector.request({ ...purchase('000061', 'TERM0001'), '4': '1000000000000' }), (err: Error & { code?: string }) => typeof err.code === 'string' && !err.message.includes('5413330089010434'));
  await assert.rejects(connector.request(purchase('000062', 'TERM00012')), (err: Error & { code?: string }) => typeof err.code === 'string' && !err.message.includes('5413330089010434'));
  await assert.rejects(connector.request({ ...purchase('000063', 'TERM0001'), '42': '5413330089010434' }), (err: Error & { code?: string }) => typeof err.code === 'string' && !err.message.includes('5413330089010434'));
  const records = await log.query({});
  assert.deepEqual(records.map((r) => [r.stan, r.outcome, r.amount, r.terminal, r.merchant]).reverse(), [
    ['000061', 'error', undefined, 'TERM0001', undefined],
    ['000062', 'error', '000000001000', undefined, undefined],
    ['000063', 'error', '000000001000', 'TERM0001', undefined],
  ]);
  assert.equal(storedBytes(logDir).includes('5413330089010434'), false);
  assert.equal(lines.join('').includes('5413330089010434'), false, 'no value in the log lines');
  assert.equal(lines.filter((l) => l.includes('was not written')).length, 0, 'no record was refused');
});

test('a PAN, response MTI, field 38 or field 39 the record cannot hold is left out, and the request is still recorded once', async (t) => {
  const { logDir, log, lines, logger, connector } = await recordingConnector(t);
  // Refused by the codec: a PAN of 20 digits (masked, still 20 characters), a PAN with a control character in its last 4.
  await assert.rejects(connector.request({ ...purchase('000071', 'TERM0001'), '2': '47617390010100101234' }), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
  await assert.rejects(connector.request({ ...purchase('000072', 'TERM0001'), '2': '476173900101001\t' }), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
  // Answers the record cannot hold in full (a 1993-style LLVAR field 38 of 8, a control character in 39, a long MTI),
  // as a dialect that allows them would decode them: given to the recorder as the connector gives them.
  const recorder = new TransactionRecorder(log, 'gw-1', 'bank', resolveDialect('iso87ascii'), logger);
  const request = purchase('000073', 'TERM0001');
  recorder.settled(request, { '0': '0210', '38': 'AB12CD34', '39': '00' }, undefined, Date.now(), performance.now(), undefined);
  recorder.settled({ ...request, '11': '000074' }, { '0': '0210', '38': 'AB12CD', '39': '0\u0001' }, undefined, Date.now(), performance.now(), undefined);
  recorder.settled({ ...request, '11': '000075' }, { '0': '02100', '38': 'AB12CD', '39': '00' }, undefined, Date.now(), performance.now(), undefined);
  const records = await log.query({});
  assert.deepEqual(records.map((r) => [r.stan, r.outcome, r.pan, r.responseMti, r.authCode, r.responseCode]).reverse(), [
    ['000071', 'error', undefined, undefined, undefined, undefined],
    ['000072', 'error', undefined, undefined, undefined, undefined],
    ['000073', 'approved', '411111******1111', '0210', undefined, '00'],
    ['000074', 'declined', '411111******1111', '0210', 'AB12CD', undefined],
    ['000075', 'approved', '411111******1111', undefined, 'AB12CD', '00'],
  ]);
  assert.equal(recorder.writeFailures, 0);
  assert.equal(lines.filter((l) => l.includes('was not written')).length, 0, 'no record was refused');
  assert.equal(storedBytes(logDir).includes('47617390010100101234'), false);
});
