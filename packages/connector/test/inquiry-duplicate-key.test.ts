// An inquiry (processing code 3x) is neither journaled nor reversed, but it is refused like any reversible request
// (`DUPLICATE_KEY`, never sent) while a transaction with its STAN and terminal is being reversed: the host could take it
// for that transaction, whose reversal names the same STAN and terminal (docs/connector.md: "whatever its reversible MTI").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import { purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { receivedLines } from './helpers/reversals.js';

const STAN = '058301';

test('an inquiry with the STAN and terminal of a purchase whose reversal is under way is refused with DUPLICATE_KEY and never sent', async (t) => {
  const dir = tempDir(t, 'inquiry-duplicate-key');
  // The host answers nothing: the purchase times out, its reversal (0400) stays under way.
  const { peer, connector } = await peerAndConnector(t, () => {}, {
    requestTimeout: 100,
    reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 },
  });
  const sent = eventWithin(10_000, 'the reversal was not sent within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'sent' && e.mti === '0400') resolve(undefined);
    }),
  );
  assert.equal((await failure(connector.request(purchase(STAN)))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await sent;
  for (const mti of ['0100', '0200']) {
    const inquiry = { ...purchase(STAN), '0': mti, '3': '310000', '4': '000000000000' };
    const refused = await failure(connector.request(inquiry));
    assert.deepEqual([refused.code, refused.sent], ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'no'], `the ${mti} inquiry`);
  }
  await peer.waitFor(2);
  assert.deepEqual(receivedLines(peer.received), [`0200 ${STAN}`, `0400 ${STAN}`], 'the inquiries never went out');
});
