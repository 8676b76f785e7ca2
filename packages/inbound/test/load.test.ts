import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { waitUntil } from '@iso8583/test-support';
import { createHostSimulator } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';

const CARDS = ['4111111111111111', '5500000000000004', '4761739001010010'];

test('load – 1,000 concurrent connections, each doing requests, all answered by the host simulator', async (t) => {
  const host = createHostSimulator({ defaultBalance: 100000000 });
  const { port, endpoint } = await startEndpoint(t, { sequence: host });
  // Connected in batches of 200, each held by the endpoint before the next: 1,000 at once can overflow the listen
  // backlog of a busy machine, and a handshake the kernel drops there leaves a client that thinks it is connected.
  const clients: TestClient[] = [];
  t.after(() => clients.forEach((c) => c.destroy()));
  for (let batch = 0; batch < 5; batch++) {
    clients.push(...(await Promise.all(Array.from({ length: 200 }, () => TestClient.connect(port)))));
    await waitUntil(() => endpoint.stats().connections === clients.length, { what: `${clients.length} connections held`, timeoutMs: 60_000 });
  }
  let approved = 0;
  await Promise.all(clients.map(async (client, i) => {
    for (let n = 0; n < 3; n++) {
      const stan = i * 3 + n + 1;
      const reply = await client.request(purchase(stan, { 2: CARDS[i % 3]!, 4: 100, 41: `T${String(i).padStart(7, '0')}` }));
      assert.equal(reply.fields['11'], String(stan).padStart(6, '0'));
      assert.equal(reply.fields['41'], `T${String(i).padStart(7, '0')}`);
      if (reply.fields['39'] === '00') approved++;
    }
  }));
  assert.equal(approved, 3000);
  assert.equal(endpoint.stats().replies, 3000);
  const visaClients = clients.filter((_, i) => i % 3 === 0).length;
  assert.equal(host.balanceOf(CARDS[0]!), 100000000 - visaClients * 3 * 100);
  await Promise.all(clients.map((c) => c.close()));
  await waitUntil(() => endpoint.stats().connections === 0, { what: 'every connection to be gone', timeoutMs: 60_000 });
  assert.equal(endpoint.stats().totalConnections, 1000);
});

test('load – memory stays flat over tens of thousands of messages on a few connections', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll });
  const clients = await Promise.all(Array.from({ length: 8 }, () => TestClient.connect(port)));
  t.after(() => clients.forEach((c) => c.destroy()));
  const round = async (perClient: number): Promise<void> => {
    await Promise.all(clients.map(async (client) => {
      for (let sent = 0; sent < perClient; sent += 50) {
        client.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => client.frame(purchase(sent + i + 1)))));
        for (let i = 0; i < 50; i++) await client.reply();
      }
    }));
  };
  await round(1000);
  gc();
  const before = process.memoryUsage().heapUsed;
  await round(5000);
  gc();
  const after = process.memoryUsage().heapUsed;
  assert.equal(endpoint.stats().replies, 8 * 6000);
  assert.ok(after - before < 16 * 1024 * 1024, `heap grew by ${Math.round((after - before) / 1024)} KiB over 40,000 messages`);
  assert.equal(endpoint.stats().inFlight, 0);
});
