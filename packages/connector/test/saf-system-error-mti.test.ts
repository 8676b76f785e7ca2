// A system error is judged in the codes of the answer's MTI: in a 1993 dialect whose field 39 has 3 characters, a 14x0
// answered 091 or 096 carries 1993 action codes of the approval class (not 1987's 91 and 96 in 3 digits), so the
// reversal ends at its first answer instead of being repeated (backing off to 5 minutes) with no end in sight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import { answer } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import type { ReversalEvent } from '../src/index.js';

/** A 1993 purchase. */
function purchase(stan: string): Record<string, string> {
  return { '0': '1200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': stan, '41': 'TERM0001' };
}

for (const rc of ['091', '096']) {
  test(`iso93ascii: a 1993 reversal answered ${rc} (approval class, not a system error) ends at its first answer`, async (t) => {
    let repeated: (mti: string) => void = () => {};
    let attempts = 0;
    const { peer, connector } = await peerAndConnector(t, (r, p) => {
      const mti = r.message['0'] as string;
      if (!/^14[02][01]$/.test(mti)) return;
      attempts += 1;
      if (attempts > 1) repeated(mti);
      p.send(r.socket, answer(r.message, { '39': rc }));
    }, {
      dialect: 'iso93ascii',
      requestTimeout: 100,
      reversal: { enabled: true, journalDir: tempDir(t, 'journal'), retryInterval: 20 },
    }, { dialect: 'iso93ascii' });
    // The reversal's end, or its first repeat (a failure), within 10 s: one bounded wait, nothing left to reject later.
    const ended = eventWithin<ReversalEvent>(10_000, `the reversal neither ended nor was repeated within 10 s`, (resolve, reject) => {
      repeated = (mti) => reject(new assert.AssertionError({ message: `repeated as ${mti} after ${rc}: read as a system error` }));
      connector.on('reversal', (e: ReversalEvent) => {
        if (e.stage === 'answered' || e.stage === 'abandoned' || e.stage === 'expired') resolve(e);
      });
    });
    await assert.rejects(connector.request(purchase('000401')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
    const end = await ended;
    assert.equal(end.stage, 'answered');
    assert.equal(end.responseCode, rc);
    assert.equal(peer.received.length, 2, 'the purchase and one reversal attempt');
    assert.equal(connector.stats().safDelivered, 1);
  });
}
