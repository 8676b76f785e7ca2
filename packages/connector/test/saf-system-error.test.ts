// A reversal answered with one of the dialect's system errors (SmartVista's 912, 1987's 96: the host did not process
// it) is not ended: it stays queued and is repeated, as SocketQueue repeats its SmartVista auto-reversal; one ended by
// a code that is neither an approval nor a system error is logged at warn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialectFromJson, getDialect, isSystemError, systemErrorCodesOf } from '@iso8583/codec';
import { answer } from './peer.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import { watchReversals } from './helpers/reversals.js';
import { repeatWait } from '../src/saf-entry.js';
import type { Active } from '../src/saf-entry.js';

/** A SmartVista purchase as SocketQueue's README sends it. */
function svPurchase(stan: string): Record<string, string> {
  return {
    '0': '0200', '3': '000000', '4': '000000001000', '7': '0818160933', '11': stan, '12': '150820130600', '22': '056',
    '24': '200', '25': '00', '35': '4761739001010010=19082012232800000037', '41': '00992468', '42': '000124642124643', '49': '810',
  };
}

/** A 1987 purchase. */
function purchase(stan: string): Record<string, string> {
  return { '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': stan, '41': 'TERM0001' };
}

test('system errors: smartvista has SocketQueue\'s, 1987 68, 91 and 96, 1993 907 909-912 (and the other edition\'s where field 39 holds them); a dialect may name its own', () => {
  assert.deepEqual(systemErrorCodesOf(getDialect('smartvista')), ['005', '120', '902', '903', '907', '909', '910', '911', '912']);
  assert.deepEqual(systemErrorCodesOf(getDialect('iso87ascii')), ['68', '91', '96']);
  // 1993's, then 1987's in 3 digits: a 0410 answered by the toolkit carries 1987's 68 as 068 (responseCodeIn).
  assert.deepEqual(systemErrorCodesOf(getDialect('iso93ascii')), ['907', '909', '910', '911', '912', '068', '091', '096']);
  assert.equal(isSystemError(getDialect('iso87ascii'), '05'), false);
  assert.equal(isSystemError({ ...getDialect('iso87ascii'), systemErrorCodes: [] }, '96'), false);
  const own = dialectFromJson({ name: 'own', extends: 'smartvista', systemErrorCodes: ['096'], fields: {} });
  assert.deepEqual(systemErrorCodesOf(own), ['096']);
  assert.deepEqual(systemErrorCodesOf(dialectFromJson({ name: 'std', extends: 'smartvista', systemErrorCodes: null, fields: {} })), ['068', '091', '096', '907', '909', '910', '911', '912']);
  assert.throws(() => dialectFromJson({ name: 'bad', extends: 'smartvista', systemErrorCodes: ['96'], fields: {} }), { code: 'ISO8583_ERR_DIALECT_INVALID' });
});

// 909 and 911: the gateway's own 96 and 68 under smartvista (its answerCodes), which ended the reversal before.
for (const rc of ['912', '907', '909', '911']) {
  test(`smartvista reversal answered ${rc} (a system error) stays queued and is repeated until approved`, async (t) => {
    const answers = [rc, '000'];
    const { lines, logger } = capturedLogger('info');
    const { peer, connector } = await peerAndConnector(t, (r, p) => {
      if (r.message['0'] === '0400' || r.message['0'] === '0401') p.send(r.socket, answer(r.message, { '39': answers.shift() ?? '000' }));
    }, {
      dialect: 'smartvista',
      frame: 'ascii4',
      requestTimeout: 100,
      logger,
      reversal: { enabled: true, journalDir: tempDir(t, 'journal'), retryInterval: 100 },
    }, { dialect: 'smartvista', framing: { lengthHeader: 'ascii4' } });
    const { events, reached } = watchReversals(connector);
    await assert.rejects(connector.request(svPurchase('618161')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
    const end = await reached;
    assert.equal(end.responseCode, '000');
    assert.deepEqual(peer.received.slice(1).map((r) => r.message['0']), ['0400', '0401'], 'repeated after the system error');
    assert.ok(events.some((e) => e.stage === 'refused' && e.responseCode === rc), 'the system error is a refused attempt');
    assert.ok(lines.some((l) => l.level === 40 && l.responseCode === rc && l.code === 'ISO8583_WARN_SAF_REFUSED'), 'the repeat is logged at warn, with its code');
    assert.equal(connector.stats().safDelivered, 1);
  });
}

test('a reversal ended by a decline (no approval, no system error) is logged at warn with its code', async (t) => {
  const { lines, logger } = capturedLogger('info');
  const { connector } = await peerAndConnector(t, (r, p) => {
    if (r.message['0'] === '0400') p.send(r.socket, answer(r.message, { '39': '05' }));
  }, { requestTimeout: 100, logger, reversal: { enabled: true, journalDir: tempDir(t, 'journal'), retryInterval: 100 } });
  const { reached } = watchReversals(connector);
  await assert.rejects(connector.request(purchase('000101')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  assert.equal((await reached).responseCode, '05');
  const line = lines.find((l) => l.code === 'ISO8583_WARN_SAF_REVERSAL_DECLINED');
  assert.ok(line, 'logged');
  assert.equal(line.level, 40);
  assert.equal(line.responseCode, '05');
  assert.equal(line.stan, '000101');
  assert.doesNotMatch(JSON.stringify(lines), /4111111111111111/, 'no PAN in the log');
});

test('iso87ascii: a reversal answered 96 is repeated; endCodes naming 96 end it at once', async (t) => {
  for (const endCodes of [undefined, ['96']]) {
    const answers = ['96', '00'];
    const { peer, connector } = await peerAndConnector(t, (r, p) => {
      if (r.message['0'] === '0400' || r.message['0'] === '0401') p.send(r.socket, answer(r.message, { '39': answers.shift() ?? '00' }));
    }, {
      requestTimeout: 100,
      reversal: { enabled: true, journalDir: tempDir(t, 'journal'), retryInterval: 100 },
      ...(endCodes === undefined ? {} : { saf: { endCodes } }),
    });
    const { reached } = watchReversals(connector);
    await assert.rejects(connector.request(purchase('000201')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
    const end = await reached;
    assert.equal(end.responseCode, endCodes === undefined ? '00' : '96');
    assert.equal(peer.received.length, endCodes === undefined ? 3 : 2);
  }
});

// 68 (response received too late: the issuer's answer did not come in time, whether it was applied is unknown) is the
// 1987 code of 1993's 911, and the gateway's own answer when the bank did not answer: it ended the reversal before.
test('iso87ascii: a reversal answered 68 is repeated until approved, as 91 and 96 are', async (t) => {
  const answers = ['68', '00'];
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (r.message['0'] === '0400' || r.message['0'] === '0401') p.send(r.socket, answer(r.message, { '39': answers.shift() ?? '00' }));
  }, { requestTimeout: 100, reversal: { enabled: true, journalDir: tempDir(t, 'journal'), retryInterval: 100 } });
  const { events, reached } = watchReversals(connector);
  await assert.rejects(connector.request(purchase('000251')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const end = await reached;
  assert.equal(end.responseCode, '00');
  assert.deepEqual(peer.received.slice(1).map((r) => r.message['0']), ['0400', '0401'], 'repeated after the 68');
  assert.ok(events.some((e) => e.stage === 'refused' && e.responseCode === '68'), 'the 68 is a refused attempt');
  assert.equal(connector.stats().safDelivered, 1);
});

test('a reversal of 10.00 answered 96, 96, then 00 adds its field 4 once to amounts.reversal and the metric', async (t) => {
  const answers = ['96', '96', '00'];
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (r.message['11'] === '000302') p.send(r.socket, answer(r.message, { '39': '05' }));
    else if (r.message['0'] === '0400' || r.message['0'] === '0401') p.send(r.socket, answer(r.message, { '39': answers.shift() ?? '00' }));
  }, { requestTimeout: 100, reversal: { enabled: true, journalDir: tempDir(t, 'journal'), retryInterval: 50 } });
  const { reached } = watchReversals(connector);
  await assert.rejects(connector.request(purchase('000301')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  assert.equal((await reached).responseCode, '00');
  assert.equal(peer.received.length, 4, 'the purchase and 3 reversal attempts');
  assert.equal(connector.stats().amounts.reversal, 1000);
  assert.match(await connector.registry.metrics(), /iso8583_connector_amount_total\{connector="default",kind="reversal"\} 1000\n/);
  // A reversal the caller sends that the host declines (05) reversed nothing either.
  assert.equal((await connector.request({ ...purchase('000302'), '0': '0400' }))['39'], '05');
  assert.equal(connector.stats().amounts.reversal, 1000);
});

test('system errors in a row space the repeats out: retryInterval doubled each time, at most 5 minutes; another answer starts over', () => {
  const sv = getDialect('smartvista');
  const a = {} as Active;
  assert.deepEqual(['912', '907', '912'].map((rc) => repeatWait(sv, rc, a, 100, '0400')), [100, 200, 400]);
  assert.equal(repeatWait(sv, '116', a, 100, '0400'), 100, 'a decline that did not end it (endCodes) starts over');
  assert.equal(repeatWait(sv, '912', a, 100, '0400'), 100);
  const slow = {} as Active;
  assert.deepEqual([1, 2, 3, 4].map(() => repeatWait(sv, '912', slow, 100_000, '0400')), [100_000, 200_000, 300_000, 300_000]);
  assert.equal(repeatWait(sv, '912', {} as Active, 400_000, '0400'), 400_000, 'never shorter than retryInterval');
});
