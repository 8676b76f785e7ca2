// A response that decodes whole but for bytes after its last field (ISO8583_ERR_TRAILING_BYTES), with a
// variable-length field (2) before its key: its request fails at once with BAD_RESPONSE (the host answered, what is
// unknown) and, reversal on, is reversed. Before: the recovery gave the MTI alone (the fields before field 2), the key
// could not be read, and the request waited out its whole requestTimeout (TIMEOUT).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { answer, purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

test('a response with bytes after its last field fails its request at once with BAD_RESPONSE, and it is reversed', async (t) => {
  const dir = tempDir(t, 'trailing');
  let reversalAtHost: (m: IsoMessage) => void = () => undefined;
  const reversed = eventWithin<IsoMessage>(10_000, 'no 0400 reached the host within 10 s', (resolve) => (reversalAtHost = resolve));
  const { connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (r.message['0'] === '0200') {
        const body = Buffer.from(p.codec.pack({ ...answer(r.message), 2: '4111111111111111' }));
        r.socket.write(encodeFrame(Buffer.concat([body, Buffer.from('0000')]), p.framing));
        return;
      }
      if (r.message['0'] === '0400') reversalAtHost(r.message);
      p.send(r.socket, answer(r.message));
    },
    // A timeout (20 s) would end the request as TIMEOUT, long after the answer came.
    { requestTimeout: 20_000, transactionLog: false, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  connector.on('error', () => undefined);
  await connector.connect();
  const err = await failure(connector.request(purchase('071501')));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_BAD_RESPONSE', err.message);
  assert.match(err.message, /ISO8583_ERR_TRAILING_BYTES/);
  assert.doesNotMatch(err.message, /4111111111111111/);
  const reversal = await reversed;
  assert.equal(reversal['11'], '071501', 'the purchase whose outcome is unknown is reversed');
});
