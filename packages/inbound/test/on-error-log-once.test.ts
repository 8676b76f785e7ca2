// The line logged when the onError sequence fails too names its message once (`messageId` bound by the context's
// logger, not given again), as the first failure's line does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';

test('a failing onError sequence is logged with messageId once, the same as the sequence\'s failure', async (t) => {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  const sequence: Sequence = () => {
    throw new Error('sequence failed');
  };
  const onError: Sequence = () => {
    throw new Error('onError failed');
  };
  const { port, endpoint } = await startEndpoint(t, { logger: pino({ level: 'info' }, stream), sequence, onError });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await client.request(purchase(1));
  assert.equal(reply.fields['39'], '96');
  await endpoint.close();
  const failures = Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l.includes('ISO8583_ERR_INBOUND_SEQUENCE_FAILED'));
  assert.equal(failures.length, 2, failures.join('\n'));
  const ids = failures.map((l) => [...l.matchAll(/"messageId":"([^"]*)"/g)].map((m) => m[1]));
  for (const id of ids) assert.equal(id.length, 1, `messageId once: ${failures.join('\n')}`);
  assert.equal(ids[0]?.[0], ids[1]?.[0]);
});
