// The console's figures of the money the connectors owe, from real connectors to real bank endpoints on 127.0.0.1:
// a journal whose folder was removed (its reversal held in memory only), approvals a client never got and that could
// not be reversed, a reversal the host declined (not shown as one that undid the money), and the approvals of an
// upstream whose dialect is not the first connector's (judged by its own codes).
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { resolveDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { FileJournal, createConnector } from '@iso8583/connector';
import type { Connector, ConnectorOptions, RouteTarget, SafEvent } from '@iso8583/connector';
import { createInboundEndpoint, responseMti } from '@iso8583/inbound';
import type { InboundMessage, SequenceResult } from '@iso8583/inbound';
import { tempFolder, within } from '@iso8583/test-support';
import { TransactionRing } from '../src/index.js';
import { Figures } from '../src/console/figures.js';
import { undeliveredApproval } from '../src/gateway/late-approval.js';

const quiet = pino({ enabled: false });

/** A folder removed after the test's other hooks (the connectors writing into it are destroyed first). */
function tempDir(t: TestContext, name: string): string {
  return tempFolder(t, `iso8583-${name}-`);
}

/** A bank endpoint on 127.0.0.1 answering by `answer`; destroyed after the test (after the connectors made since). */
async function bank(t: TestContext, answer: (m: InboundMessage) => SequenceResult | Promise<SequenceResult>): Promise<number> {
  const endpoint = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: answer });
  const { port } = await endpoint.start();
  t.after(() => endpoint.destroy());
  return port;
}

/** A connector to `port` (destroyed after the test). */
function connectorTo(t: TestContext, port: number, options: Partial<ConnectorOptions>): Connector {
  const connector = createConnector({ host: '127.0.0.1', port, name: 'bank', logger: quiet, ...options });
  t.after(() => connector.destroy());
  return connector;
}

/** The next `saf` event of `stage`. */
function safStage(connector: Connector, stage: SafEvent['stage']): Promise<SafEvent> {
  return new Promise((resolve) => connector.on('saf', (e) => e.stage === stage && resolve(e)));
}

/** A purchase of 10.00 (a test card number). */
function purchase(stan: string): IsoMessage {
  return { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1204043000', 11: stan, 41: 'TERM0001', 49: '840' };
}

test('console figures – a journal whose folder was removed: its reversal held in memory only is shown (journalStopped)', async (t) => {
  const dir = tempDir(t, 'console-journal-stopped');
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let atHost: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (atHost = resolve));
  // The purchase is held until the folder is gone (then approved); its reversal is never answered.
  const port = await bank(t, async (m) => {
    if (m.mti !== '0200') return null;
    atHost();
    await released;
    return { ...m.fields, 0: responseMti(m.mti), 39: '00' };
  });
  const connector = connectorTo(t, port, { reversal: { enabled: true, journal: new FileJournal(dir, { logger: quiet }) }, saf: { retryInterval: 60_000 } });
  const outcome = connector.request(purchase('009101'));
  await within(arrived, 10_000, 'the purchase at the bank');
  rmSync(dir, { recursive: true, force: true });
  const sent = safStage(connector, 'sent');
  release();
  await assert.rejects(outcome, { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  await within(sent, 10_000, 'the reversal sent anyway');
  const snap = new Figures({ connectors: () => ({ bank: connector }) }, new TransactionRing()).tick();
  assert.equal(snap.reversalsPending, 1);
  assert.deepEqual(snap.journalStopped, { connectors: ['bank'], notDurable: 1, unrecorded: 0 });
  assert.equal(snap.connectors.bank?.safNotDurable, 1);
});

test('console figures – approvals a client never got and that could not be reversed (undeliveredNotReversed)', async (t) => {
  const dir = tempDir(t, 'console-not-reversed');
  // A journal folder that cannot be made (a file is in its place): the reversal is not stored; the host is gone: not sent.
  const blocked = join(dir, 'journal');
  writeFileSync(blocked, 'not a folder');
  const gone = createServer();
  await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
  const port = (gone.address() as { port: number }).port;
  await new Promise<void>((resolve) => gone.close(() => resolve()));
  const upstream = connectorTo(t, port, { connectTimeout: 200, reconnect: { initialDelay: 10, maxDelay: 50 }, pool: { acquireTimeout: 200 }, requestTimeout: 500, reversal: { enabled: true, journalDir: blocked } });
  const book = undeliveredApproval({ connector: upstream, logger: quiet });
  const approval: IsoMessage = { 0: '0210', 3: '000000', 4: '000000001000', 11: '000222', 41: 'TERM0001', 39: '00' };
  book(purchase('000222'), approval, upstream, 'client-gone', 'pos');
  await book.settled(20_000);
  assert.equal(book.notReversed(), 1, 'neither stored nor sent');
  const figures = new Figures({ connectors: () => ({ bank: upstream }), undeliveredNotReversed: () => book.notReversed() }, new TransactionRing());
  assert.equal(figures.tick().undeliveredNotReversed, 1);
});

test('console figures – an undelivered approval whose reversal, sent once without SAF, the host refused (96) is not reversed', async (t) => {
  const dir = tempDir(t, 'console-refused-without-saf');
  // A journal refusing every new entry as a full disk does: the reversal is sent once without SAF, answered 96.
  const journal = new FileJournal(dir, { logger: quiet });
  journal.add = () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
  let refused: () => void = () => undefined;
  const atHost = new Promise<void>((resolve) => (refused = resolve));
  const port = await bank(t, (m) => {
    if (m.mti !== '0400') return null;
    refused();
    return { ...m.fields, 0: responseMti(m.mti), 39: '96' };
  });
  const upstream = connectorTo(t, port, { requestTimeout: 5_000, reversal: { enabled: true, journal } });
  const book = undeliveredApproval({ connector: upstream, logger: quiet });
  const approval: IsoMessage = { 0: '0210', 3: '000000', 4: '000000001000', 11: '000223', 41: 'TERM0001', 39: '00' };
  book(purchase('000223'), approval, upstream, 'client-gone', 'pos');
  await within(atHost, 10_000, 'the reversal at the bank');
  await book.settled(20_000);
  assert.equal(book.notReversed(), 1, 'a 96 to the reversal undid nothing');
  const figures = new Figures({ connectors: () => ({ bank: upstream }), undeliveredNotReversed: () => book.notReversed() }, new TransactionRing());
  assert.equal(figures.tick().undeliveredNotReversed, 1);
});

test('console figures – a reversal the host declined is recorded with its code (errorCode), not as one that undid the money', async (t) => {
  const dir = tempDir(t, 'console-reversal-declined');
  // The purchase is never answered (it times out: reversed); its reversal is answered 05, which (no saf.endCodes) ends it.
  const port = await bank(t, (m) => (m.mti === '0400' ? { ...m.fields, 0: responseMti(m.mti), 39: '05' } : null));
  const ring = new TransactionRing();
  const connector = connectorTo(t, port, { requestTimeout: 300, transactionLog: ring, reversal: { enabled: true, journalDir: dir }, saf: { retryInterval: 60_000 } });
  const answered = safStage(connector, 'answered');
  await assert.rejects(connector.request(purchase('009201')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const e = await within(answered, 10_000, 'the reversal answered');
  assert.equal(e.responseCode, '05');
  const record = ring.list().find((r) => r.mti === '0400');
  assert.equal(record?.outcome, 'reversed');
  assert.equal(record?.responseCode, '05');
  assert.equal(record?.errorCode, 'ISO8583_WARN_SAF_REVERSAL_DECLINED');
});

test('console ring – a target is judged by the dialect of the host that answers through it (1993: 000 approves)', async () => {
  const ring = new TransactionRing({ approvals: resolveDialect('iso87ascii') });
  const target = { request: async (): Promise<IsoMessage> => ({ 0: '1210', 39: '000' }), sendMessage: async () => ({}) } as unknown as RouteTarget;
  const wrapped = ring.wrap(target, 'bank93', resolveDialect('iso93ascii'));
  await wrapped.request({ 0: '1200', 3: '000000', 4: '000000001000', 11: '000301', 41: 'TERM0001' });
  assert.deepEqual(ring.list().map((r) => [r.mti, r.responseCode, r.outcome]), [['1200', '000', 'approved']]);
});
