// A keep-alive client's request in flight when the app closes is answered, with Connection: close: its connection
// ends after it, so the client's next request never reaches the host (nor waits for Fastify's keepAliveTimeout). The app is made with `return503OnClosing: false`, as
// docs/connector.md tells an app using the routes (Fastify's own 503 comes before any hook). Was: such a request was
// sent to the host while the app closed. Real server, real keep-alive HTTP client (one socket), real host on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import Fastify from 'fastify';
import { iso8583Connector } from '../src/index.js';
import { answer, startPeer } from './peer.js';
import type { Received } from './peer.js';

/** POSTs `body` as JSON through `agent`; gives the status, the parsed body and whether the socket was reused. */
function post(agent: Agent, url: string, body: unknown): Promise<{ status: number; body: unknown; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), reused: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** An echo test (0800) with STAN `stan`. */
function echo(stan: string): Record<string, string> {
  return { '0': '0800', '7': '1207120000', '11': stan, '70': '301' };
}

for (const answers of ['plain', 'socketqueue'] as const) {
  test(`routes (${answers}): a request in flight while the app closes is answered and ends its keep-alive connection; the next is never sent`, async (t) => {
    const held: Received[] = [];
    let arrived: () => void = () => undefined;
    const atHost = new Promise<void>((resolve) => (arrived = resolve));
    const peer = await startPeer((r, p) => {
      if (r.message['11'] === '000001') {
        held.push(r);
        arrived();
      } else p.send(r.socket, answer(r.message));
    });
    const app = Fastify({ return503OnClosing: false });
    await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: peer.port, routes: { prefix: '/bank', answers } });
    let closingSeen: () => void = () => undefined;
    const closing = new Promise<void>((resolve) => (closingSeen = resolve));
    // After the plugin's own preClose hook (hooks run in the order they were added).
    app.addHook('preClose', (done) => {
      closingSeen();
      done();
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // The close once begun (the hook after the test awaits it rather than closing again).
    const closes: Promise<void>[] = [];
    t.after(async () => {
      agent.destroy();
      await (closes[0] ?? app.close());
      await peer.close();
    });
    await app.iso8583.bank?.connect();
    const first = post(agent, `${base}/bank`, echo('000001'));
    await atHost;
    const closed = app.close();
    closes.push(closed);
    await closing;
    peer.send((held[0] as Received).socket, answer((held[0] as Received).message));
    const one = await first;
    assert.equal(one.status, 200, JSON.stringify(one.body));
    // The last answer while the app closes ends its connection (Connection: close): the client's next request cannot
    // come on it (nor on a new one: the server no longer listens), so it never reaches the host.
    assert.equal(one.reused, false);
    await assert.rejects(post(agent, `${base}/bank`, echo('000002')));
    await closed;
    assert.deepEqual(peer.received.map((r) => r.message['11']).filter((s) => s === '000001' || s === '000002'), ['000001'], 'only the request in flight reached the host');
  });
}
