// ISO 8583:1993: a reversal the host accepts is answered with action code 400 (the reversal class's "accepted",
// responseCodeFor('1400', '00'), what the host simulator answers), not the dialect's approval code 000. It ends the
// reversal at once, with no "declined" warning, whether or not saf.endCodes is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialectFromJson, getDialect, isAcceptedFor, responseCodeFor } from '@iso8583/codec';
import { answer } from './peer.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import type { ReversalEvent } from '../src/index.js';

/** A 1993 purchase. */
function purchase(stan: string): Record<string, string> {
  return { '0': '1200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': stan, '41': 'TERM0001' };
}

for (const endCodes of [undefined, ['902']]) {
  test(`iso93ascii: a reversal answered 400 ends at once with no warning (endCodes ${JSON.stringify(endCodes)})`, async (t) => {
    const { lines, logger } = capturedLogger('info');
    const { peer, connector } = await peerAndConnector(t, (r, p) => {
      const mti = r.message['0'] as string;
      if (/^14[02][01]$/.test(mti)) p.send(r.socket, answer(r.message, { '39': responseCodeFor(mti, '00') }));
    }, {
      dialect: 'iso93ascii',
      requestTimeout: 100,
      logger,
      reversal: { enabled: true, journalDir: tempDir(t, 'journal'), retryInterval: 50, maxAttempts: 3 },
      ...(endCodes === undefined ? {} : { saf: { endCodes } }),
    }, { dialect: 'iso93ascii' });
    const ended = new Promise<ReversalEvent>((resolve) =>
      connector.on('reversal', (e: ReversalEvent) => {
        if (e.stage === 'answered' || e.stage === 'abandoned' || e.stage === 'expired') resolve(e);
      }),
    );
    await assert.rejects(connector.request(purchase('000301')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
    const end = await ended;
    assert.equal(end.stage, 'answered');
    assert.equal(end.responseCode, '400');
    assert.deepEqual(peer.received.slice(1).map((r) => r.message['0']), ['1400'], 'not repeated');
    assert.deepEqual(lines.filter((l) => (l.level as number) >= 40).map((l) => l.code), [], 'no warning');
  });
}

test('isAcceptedFor: the approval codes, and 1993\'s accepted action code of the MTI\'s class', () => {
  const d93 = getDialect('iso93ascii');
  assert.equal(isAcceptedFor(d93, '400', '1420'), true);
  assert.equal(isAcceptedFor(d93, '400', '1421'), true);
  assert.equal(isAcceptedFor(d93, '000', '1420'), true, 'the dialect\'s approval code too');
  assert.equal(isAcceptedFor(d93, '000', '1220'), true);
  assert.equal(isAcceptedFor(d93, '400', '1220'), false, '400 accepts a reversal, not an advice');
  assert.equal(isAcceptedFor(d93, '909', '1420'), false);
  assert.equal(isAcceptedFor(d93, '909', '1920'), false, 'a class with no accepted code never maps to 909');
  assert.equal(isAcceptedFor(d93, undefined, '1420'), false);
  const d87 = getDialect('iso87ascii');
  assert.equal(isAcceptedFor(d87, '00', '0400'), true);
  assert.equal(isAcceptedFor(d87, '400', '0400'), false, 'a 1987 MTI carries 1987 codes');
  const an2 = dialectFromJson({ name: 'net93', extends: 'iso93ascii', approvalCodes: ['00'], fields: { '39': { type: 'an', length: 2 } } });
  assert.equal(isAcceptedFor(an2, '00', '1420'), true);
  assert.equal(isAcceptedFor(an2, '400', '1420'), false, 'a 2-character field 39 keeps the 1987 codes');
});
