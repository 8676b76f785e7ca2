// Every SAF entry (the connector's reversals, the advices stored with `saf: true`) is recorded once in the transaction
// log, when it ends: `reversed` (a reversal answered with a code that ends it), `delivered` (an advice so answered),
// `expired` or `abandoned` (with the log code); an answer that does not end it is not an outcome and is not recorded.
// An expired reversal is logged at error, like an abandoned one: both leave money unreversed. Real sockets and files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TransactionRecord } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import { advice, safEvent } from './helpers/reversals.js';

/** A record as `MTI/STAN/outcome/response code or error code`. */
const line = (r: TransactionRecord): string => `${r.mti}/${r.stan}/${r.outcome}/${r.responseCode ?? r.errorCode ?? ''}`;

test('a SAF entry is recorded once, when an answer ends it: refused answers are not outcomes (reversal: 0401 reversed, advice: 0221 delivered)', async (t) => {
  const dir = tempDir(t, 'saf-txlog');
  const answers = new Map<string, number>();
  // The purchase is never answered; the reversal and the advice are refused (05) once, then approved.
  const { connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = String(r.message['0']);
      if (mti === '0200') return;
      const key = `${mti.slice(0, 3)}/${r.message['11']}`;
      const n = (answers.get(key) ?? 0) + 1;
      answers.set(key, n);
      p.send(r.socket, answer(r.message, { '39': n === 1 ? '05' : '00' }));
    },
    // Each SAF attempt waits up to retryInterval for its answer (the purchase, 100 ms): answered in time on a loaded machine.
    { reversal: { enabled: true, journalDir: dir }, saf: { enabled: true, retryInterval: 500, endCodes: ['94'] } },
  );
  const log = connector.transactions?.log;
  assert.ok(log !== undefined, 'a file log in the journal folder');
  const refused: string[] = [];
  connector.on('saf', (e) => {
    if (e.stage === 'refused') refused.push(`${e.mti}/${e.responseCode}`);
  });
  const reversed = safEvent(connector, 'answered', undefined);
  await assert.rejects(connector.request(purchase('000501'), { timeout: 100 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await reversed;
  const { id } = await connector.request(advice('000502'), { saf: true });
  await safEvent(connector, 'answered', id);
  assert.deepEqual(refused, ['0400/05', '0220/05'], 'each was refused once first');
  const records = await log.query({});
  assert.deepEqual(records.map(line).sort(), ['0200/000501/timeout/ISO8583_ERR_CONNECTOR_TIMEOUT', '0221/000502/delivered/00', '0401/000501/reversed/00']);
  const delivered = records.find((r) => r.outcome === 'delivered') as TransactionRecord;
  assert.equal(delivered.responseMti, '0230');
  assert.equal(delivered.pan, '411111******1111');
});

test('an expired reversal and an expired advice are recorded (expired, ISO8583_WARN_SAF_EXPIRED); the reversal is logged at error, the advice at warn', async (t) => {
  const dir = tempDir(t, 'saf-txlog');
  const { logger, lines } = capturedLogger('info');
  // The host answers nothing but network management.
  const { connector } = await peerAndConnector(t, (r, p) => (String(r.message['0']).startsWith('08') ? p.send(r.socket, answer(r.message)) : undefined), {
    logger,
    requestTimeout: 100,
    reversal: { enabled: true, journalDir: dir },
    saf: { enabled: true, retryInterval: 100, expireAfter: 350 },
  });
  const log = connector.transactions?.log;
  assert.ok(log !== undefined);
  const expired: string[] = [];
  const both = new Promise<void>((resolve) =>
    connector.on('saf', (e) => {
      if (e.stage === 'expired' && expired.push(e.kind) === 2) resolve();
    }),
  );
  await connector.request(advice('000601'), { saf: true });
  await assert.rejects(connector.request(purchase('000602')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await both;
  const records = (await log.query({})).filter((r) => r.outcome === 'expired');
  assert.deepEqual(records.map((r) => `${r.mti.slice(0, 3)}/${r.stan}/${r.outcome}/${r.errorCode}`).sort(), [
    '022/000601/expired/ISO8583_WARN_SAF_EXPIRED',
    '040/000602/expired/ISO8583_WARN_SAF_EXPIRED',
  ]);
  for (const r of records) assert.equal(r.responseCode, undefined);
  const logged = lines.filter((l) => l.code === 'ISO8583_WARN_SAF_EXPIRED').map((l) => `${String(l.kind)}:${String(l.level)}`);
  assert.deepEqual(logged.sort(), ['advice:40', 'reversal:50']);
  assert.equal(connector.stats().safExpired, 2);
});

test('an abandoned advice is recorded once (abandoned, ISO8583_WARN_SAF_ABANDONED), of the MTI of its last attempt', async (t) => {
  const dir = tempDir(t, 'saf-txlog');
  const { connector } = await peerAndConnector(t, () => undefined, { reversal: { enabled: true, journalDir: dir }, saf: { retryInterval: 50, maxAttempts: 2 } });
  const log = connector.transactions?.log;
  assert.ok(log !== undefined);
  const { id } = await connector.request(advice('000701'), { saf: true });
  await safEvent(connector, 'abandoned', id);
  assert.deepEqual((await log.query({})).map(line), ['0221/000701/abandoned/ISO8583_WARN_SAF_ABANDONED']);
});
