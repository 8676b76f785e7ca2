// Store and forward: an advice sent with `saf: true` is journaled and answered at once, then delivered in the
// background, repeated as xxx1 until the host answers with a code that ends it, or until it expires or is abandoned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnector, isStoreAndForward } from '../src/index.js';
import type { ConnectorOptions } from '../src/index.js';
import { startChild } from './child.js';
import { answer } from './peer.js';
import { capturedLogger, connectorFor, downPort, peerFor, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';
import { advice, journalLines, safEvent } from './helpers/reversals.js';

/**
 * A host that never answers, and a connector to it logging at info into `lines`, whose SAF queue journals in a fresh
 * folder with `saf` (its retries and bounds); closed after the test.
 */
async function silentHost(t: AfterHook, saf: Omit<NonNullable<ConnectorOptions['saf']>, 'enabled' | 'journalDir'>) {
  const dir = tempDir(t, 'saf');
  const peer = await peerFor(t, () => undefined);
  const { logger, lines } = capturedLogger('info');
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    logger,
    saf: { enabled: true, journalDir: dir, ...saf },
  });
  return { dir, peer, lines, connector };
}

test('an advice with saf: true is accepted at once while the host is down, and delivered once it comes up', async (t) => {
  const dir = tempDir(t, 'saf');
  const port = await downPort(t);
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port,
    connectTimeout: 200,
    reconnect: { initialDelay: 10, maxDelay: 50 },
    pool: { acquireTimeout: 100 },
    saf: { enabled: true, journalDir: dir, retryInterval: 300 },
  });
  const receipt = await connector.request(advice('100001'), { saf: true });
  assert.equal(receipt.saf, true);
  assert.equal(typeof receipt.id, 'string');
  // Durable before the answer: the add record is on disk.
  const added = journalLines(dir).find((l) => l.op === 'add');
  assert.equal(added?.id, receipt.id);
  assert.equal(added?.kind, 'advice');
  assert.equal(connector.stats().safDepth, 1);

  const delivered = safEvent(connector, 'answered', receipt.id);
  const peer = await peerFor(t, (r, p) => p.send(r.socket, answer(r.message)), { port });
  const e = await delivered;
  assert.equal(e.kind, 'advice');
  assert.equal(e.responseCode, '00');
  const advices = peer.received.filter((r) => r.message['0'] !== '0800');
  assert.equal(advices.length, 1, 'delivered once');
  assert.match(String(advices[0]?.message['0']), /^022[01]$/);
  assert.equal(advices[0]?.message['11'], '100001');
  const stats = connector.stats();
  assert.equal(stats.safDepth, 0);
  assert.equal(stats.safDelivered, 1);
  assert.equal(stats.reversalsPending, 0);
  const done = journalLines(dir).find((l) => l.op === 'done');
  assert.equal(done?.outcome, 'delivered');
});

test('an unanswered advice is repeated as 0221 until the host answers', async (t) => {
  const dir = tempDir(t, 'saf');
  let seen = 0;
  const peer = await peerFor(t, (r, p) => {
    seen += 1;
    if (seen >= 3) p.send(r.socket, answer(r.message));
  });
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, saf: { enabled: true, journalDir: dir, retryInterval: 150 } });
  const events: string[] = [];
  connector.on('saf', (e) => events.push(`${e.stage}:${e.mti}`));
  const { id } = await connector.request(advice('100101'), { saf: true });
  await safEvent(connector, 'answered', id);
  assert.deepEqual(peer.received.map((r) => r.message['0']), ['0220', '0221', '0221']);
  assert.deepEqual(events, ['queued:0220', 'sent:0220', 'sent:0221', 'sent:0221', 'answered:0221']);
  // Each attempt journaled before it left; the entry closed once answered.
  assert.deepEqual(journalLines(dir).map((l) => l.op), ['add', 'attempt', 'attempt', 'attempt', 'done']);
});

test('response codes: the dialect approval codes and endCodes end an entry; any other code repeats it', async (t) => {
  const dir = tempDir(t, 'saf');
  const codes = ['91', '94'];
  const peer = await peerFor(t, (r, p) => p.send(r.socket, answer(r.message, { '39': codes.shift() ?? '00' })));
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    saf: { enabled: true, journalDir: dir, retryInterval: 150, endCodes: ['94'] },
  });
  const events: string[] = [];
  connector.on('saf', (e) => events.push(`${e.stage}:${e.mti}:${e.responseCode ?? ''}`));
  const first = await connector.request(advice('100201'), { saf: true });
  await safEvent(connector, 'answered', first.id);
  assert.deepEqual(events, ['queued:0220:', 'sent:0220:', 'refused:0220:91', 'waiting:0220:', 'sent:0221:', 'answered:0221:94']);
  // An approval (the dialect's approvalCodes, 00) ends one at the first answer.
  const second = await connector.request(advice('100202'), { saf: true });
  const e = await safEvent(connector, 'answered', second.id);
  assert.equal(e.responseCode, '00');
  assert.equal(e.attempt, 1);
  assert.equal(connector.stats().safDelivered, 2);
});

test('an advice not answered within expireAfter expires: coded event and log line, closed in the journal', async (t) => {
  const { dir, lines, connector } = await silentHost(t, { retryInterval: 50, expireAfter: 200 });
  const { id } = await connector.request(advice('100301'), { saf: true });
  const e = await safEvent(connector, 'expired', id);
  assert.equal(e.code, 'ISO8583_WARN_SAF_EXPIRED');
  assert.equal(e.stan, '100301');
  assert.ok(e.attempt >= 1);
  const logged = lines.find((l) => l.code === 'ISO8583_WARN_SAF_EXPIRED');
  assert.ok(logged, 'the expiry is logged with its code');
  assert.equal(logged.level, 40);
  assert.doesNotMatch(JSON.stringify(lines), /4111111111111111/, 'no PAN in the log');
  assert.equal(journalLines(dir).at(-1)?.outcome, 'expired');
  const stats = connector.stats();
  assert.equal(stats.safExpired, 1);
  assert.equal(stats.safDepth, 0);
  const metrics = await connector.registry.metrics();
  assert.match(metrics, /iso8583_connector_saf_ended_total\{connector="default",outcome="expired"\} 1/);
});

test('maxAttempts abandons an entry after its last attempt (coded log line)', async (t) => {
  const { peer, lines, connector } = await silentHost(t, { retryInterval: 30, maxAttempts: 2 });
  const { id } = await connector.request(advice('100401'), { saf: true });
  const e = await safEvent(connector, 'abandoned', id);
  assert.equal(e.code, 'ISO8583_WARN_SAF_ABANDONED');
  assert.deepEqual(peer.received.map((r) => r.message['0']), ['0220', '0221']);
  assert.ok(lines.some((l) => l.code === 'ISO8583_WARN_SAF_ABANDONED'));
  assert.equal(connector.stats().safAbandoned, 1);
});

test('a restart resumes an advice left in the journal, as a repeat (0221); initialDelay holds the first attempt', async (t) => {
  const dir = tempDir(t, 'saf');
  const peer = await peerFor(t, (r, p) => p.send(r.socket, answer(r.message)));
  const first = createConnector({ host: '127.0.0.1', port: peer.port, saf: { enabled: true, journalDir: dir, initialDelay: 3_600_000 } });
  const { id } = await first.request(advice('100501'), { saf: true });
  assert.equal(first.stats().safDepth, 1);
  await first.close();
  // Closed before its initial delay: journaled, never attempted.
  assert.deepEqual(journalLines(dir).map((l) => l.op), ['add']);

  const second = connectorFor(t, { host: '127.0.0.1', port: peer.port, saf: { enabled: true, journalDir: dir } });
  const answered = safEvent(second, 'answered', id);
  await second.connect();
  const e = await answered;
  assert.equal(e.kind, 'advice');
  assert.equal(e.mti, '0221', 'read back at a start: a repeat (an earlier run may have sent it unrecorded)');
  assert.deepEqual(peer.received.map((r) => r.message['0']), ['0221']);
});

test('messageInterval spaces the attempts of entries due together', async (t) => {
  const dir = tempDir(t, 'saf');
  const peer = await peerFor(t);
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, saf: { enabled: true, journalDir: dir, messageInterval: 150 } });
  // Measured where the attempts are made (the 'sent' event), not where they arrive: a busy peer may read two frames
  // sent 150 ms apart in one go. The second slot starts at least 150 ms after the first, which starts no earlier than
  // the first advice was accepted (a journal write may delay the first attempt's 'sent', so that is the bound).
  const sent = new Map<string, number>();
  connector.on('saf', (e) => {
    if (e.stage === 'sent') sent.set(String(e.stan), performance.now());
  });
  await connector.connect();
  const accepted = performance.now();
  const a = await connector.request(advice('100601'), { saf: true });
  const b = await connector.request(advice('100602'), { saf: true });
  await Promise.all([safEvent(connector, 'answered', a.id), safEvent(connector, 'answered', b.id)]);
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['100601', '100602']);
  const gap = (sent.get('100602') as number) - accepted;
  assert.ok(gap >= 140, `the second attempt left ${gap} ms after the first advice was accepted`);
});

test('saf: true on a request that is not an advice or reversal is refused with a coded error naming saf', async (t) => {
  const dir = tempDir(t, 'saf');
  const connector = connectorFor(t, { host: '127.0.0.1', port: 1, saf: { enabled: true, journalDir: dir } });
  const purchase = { ...advice('100701'), '0': '0200' };
  await assert.rejects(connector.request(purchase, { saf: true }), (err: Error & { code?: string; field?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_SAF');
    assert.equal(err.field, 'saf');
    assert.match(err.message, /0200/);
    return true;
  });
  await assert.rejects(connector.sendMessage(JSON.stringify({ ...purchase, '0': '0800' }), { saf: true }), { code: 'ISO8583_ERR_CONNECTOR_SAF' });
  // Sensitive authentication data is never stored: the field is named, its value never shown.
  await assert.rejects(connector.request({ ...advice('100702'), '35': '4111111111111111=29122010000000000000' }, { saf: true }), (err: Error & { code?: string; field?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_SAF');
    assert.equal(err.field, '35');
    assert.doesNotMatch(err.message, /4111/);
    return true;
  });
  // A 1993 MTI with a 1987 dialect is not an advice of this dialect.
  await assert.rejects(connector.request({ ...advice('100703'), '0': '1220' }, { saf: true }), { code: 'ISO8583_ERR_CONNECTOR_SAF' });
  // A field that cannot be packed is named before anything is journaled.
  await assert.rejects(connector.request({ ...advice('100704'), '4': 'ABC' }, { saf: true }), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
  // No SAF queue configured.
  const plain = connectorFor(t, { host: '127.0.0.1', port: 1 });
  await assert.rejects(plain.request(advice('100705'), { saf: true }), { code: 'ISO8583_ERR_CONNECTOR_SAF' });
});

test('which MTIs are stored and forwarded, per dialect version', () => {
  for (const mti of ['0120', '0121', '0220', '0221', '0400', '0401', '0420', '0421']) assert.equal(isStoreAndForward(mti, '0'), true, mti);
  for (const mti of ['0100', '0200', '0210', '0230', '0800', '0410', '0430', '0122', '1220']) assert.equal(isStoreAndForward(mti, '0'), false, mti);
  for (const mti of ['1120', '1220', '1221', '1420', '1421']) assert.equal(isStoreAndForward(mti, '1'), true, mti);
  assert.equal(isStoreAndForward('0220', '1'), false);
});

test('a 1993 dialect stores 1220 and repeats it as 1221', async (t) => {
  const dir = tempDir(t, 'saf');
  let seen = 0;
  const peer = await peerFor(
    t,
    (r, p) => {
      seen += 1;
      if (seen >= 2) p.send(r.socket, answer(r.message));
    },
    { dialect: 'iso93ascii' },
  );
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, dialect: 'iso93ascii', saf: { enabled: true, journalDir: dir, retryInterval: 150 } });
  const message = { '0': '1220', '2': '4111111111111111', '3': '000000', '4': '000000002500', '11': '100801', '12': '201121103000', '41': 'TERM0001', '49': '840' };
  const { id } = await connector.request(message, { saf: true });
  await safEvent(connector, 'answered', id);
  assert.deepEqual(peer.received.map((r) => r.message['0']), ['1220', '1221']);
});

test('saf options: reversal.retryInterval is an alias of saf.retryInterval (not both), and the queue needs a journal', () => {
  const base = { host: '127.0.0.1', port: 1 };
  const o = createConnector({ ...base, reversal: { enabled: true, journalDir: '/tmp/x', retryInterval: 123, maxAttempts: 4 } }).options;
  assert.equal(o.saf.retryInterval, 123);
  assert.equal(o.saf.maxAttempts, 4);
  assert.equal(o.saf.journalDir, '/tmp/x');
  assert.equal(createConnector({ ...base, saf: { enabled: true, journalDir: '/tmp/x' } }).options.saf.retryInterval, 10_000);
  assert.throws(
    () => createConnector({ ...base, reversal: { retryInterval: 10 }, saf: { retryInterval: 20 } }),
    (err: Error & { code?: string; problems?: { field: string }[] }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
      assert.deepEqual(err.problems?.map((p) => p.field), ['saf.retryInterval']);
      return true;
    },
  );
  assert.throws(() => createConnector({ ...base, saf: { enabled: true } }), (err: Error & { problems?: { field: string }[] }) => {
    assert.deepEqual(err.problems?.map((p) => p.field), ['saf.journalDir']);
    return true;
  });
  assert.throws(() => createConnector({ ...base, saf: { endCodes: ['x'] } }), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS' });
});

test('saf options: saf.maxInFlight is a whole number from 1 (64 when absent); 0, -1, 1.5, NaN and more than 1,000,000 are refused naming it', () => {
  const base = { host: '127.0.0.1', port: 1 };
  assert.equal(createConnector({ ...base, saf: { enabled: true, journalDir: '/tmp/x' } }).options.saf.maxInFlight, 64);
  assert.equal(createConnector({ ...base, saf: { enabled: true, journalDir: '/tmp/x', maxInFlight: 1 } }).options.saf.maxInFlight, 1);
  for (const maxInFlight of [0, -1, 1.5, Number.NaN, 1_000_001]) {
    assert.throws(
      () => createConnector({ ...base, saf: { enabled: true, journalDir: '/tmp/x', maxInFlight } }),
      (err: Error & { code?: string; problems?: { field: string }[] }) => {
        assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS', String(maxInFlight));
        assert.deepEqual(err.problems?.map((p) => p.field), ['saf.maxInFlight'], String(maxInFlight));
        return true;
      },
    );
  }
});

test('full disk: an advice whose record cannot be written whole is refused (ISO8583_ERR_CONNECTOR_JOURNAL) and never sent', { timeout: 15_000 }, async (t) => {
  const dir = tempDir(t, 'saf');
  // The host answers every advice, and tells at once if one of the refused batch (STAN 0090xx) reaches it.
  let leaked: (err: Error) => void = () => undefined;
  const leak = new Promise<never>((_resolve, reject) => (leaked = reject));
  leak.catch(() => undefined);
  const peer = await peerFor(t, (r, p) => {
    if (String(r.message['11']).startsWith('0090')) leaked(new Error(`advice ${String(r.message['11'])} left though it was refused`));
    p.send(r.socket, answer(r.message));
  });
  const first = 60; // ~11 KB of records in one batch: past the 8 KiB limit
  const child = startChild('saf-full-disk-child', { port: peer.port, dir, preallocate: 2048, first, second: 2 }, 'ulimit -f 8;');
  t.after(() => child.kill());
  await Promise.race([child.waitLine('done first'), leak]);
  const rejected = child.lines.filter((l) => l.startsWith('rejected '));
  assert.equal(rejected.length, first, `every advice of the cut batch was refused (${child.lines.join(' | ')})`);
  for (const line of rejected) assert.match(line, / ISO8583_ERR_CONNECTOR_JOURNAL$/);
  // The next, small batch fits: both are stored (answered) and delivered; none of the refused ones ever left.
  await Promise.race([child.waitLine('stored 009502'), leak]);
  const received = await Promise.race([peer.waitFor(2), leak]);
  await child.kill();
  assert.deepEqual(received.map((r) => r.message['11']).sort(), ['009501', '009502']);
});

test('a reversal (0400) stored with saf: true is filed as a reversal, like the connector\'s own: counted pending, ended reversed', async (t) => {
  const dir = tempDir(t, 'saf');
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const peer = await peerFor(t, (r, p) => {
    if (r.message['0'] === '0800') return p.send(r.socket, answer(r.message));
    void gate.then(() => p.send(r.socket, answer(r.message)));
  });
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, saf: { enabled: true, journalDir: dir, retryInterval: 60_000 } });
  const reversal = { ...advice('100701', '0400'), 90: '020010070112011200000000000000000000000000' };
  const queued = safEvent(connector, 'queued');
  const { id } = await connector.request(reversal, { saf: true });
  assert.equal((await queued).kind, 'reversal');
  assert.equal(journalLines(dir).find((l) => l.op === 'add')?.kind, undefined, 'journaled without kind: advice');
  assert.equal(connector.stats().reversalsPending, 1);
  const ended = safEvent(connector, 'answered', id);
  release();
  const e = await ended;
  assert.equal(e.kind, 'reversal');
  assert.equal(peer.received.filter((r) => r.message['0'] === '0400').length, 1);
  assert.equal(connector.stats().reversalsPending, 0);
  assert.equal(journalLines(dir).find((l) => l.op === 'done')?.outcome, 'reversed');
});
