// A request that comes to the plugin's routes while the app closes (a keep-alive client's next, on the connection
// whose request was in flight when the close began) is refused 503 ISO8583_ERR_CONNECTOR_CLOSED in the routes' shape
// (plain `{ result: null, errors: [{ code, message }] }`, SocketQueue's `{ result: "", errors: [text] }`) and never
// reaches the host; the request in flight is answered. The app is made with `return503OnClosing: false`, as
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

for (const [answers, refused] of [
  ['plain', { result: null, errors: [{ code: 'ISO8583_ERR_CONNECTOR_CLOSED', message: 'the app is closing: the request was not sent to the host' }] }],
  ['socketqueue', { result: '', errors: ['the app is closing: the request was not sent to the host'] }],
] as const) {
  test(`routes (${answers}): a request on a keep-alive connection while the app closes is refused 503 ISO8583_ERR_CONNECTOR_CLOSED, unsent`, async (t) => {
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
    const second = await post(agent, `${base}/bank`, echo('000002'));
    assert.equal(second.reused, true, 'the second request came on the first one\'s connection');
    assert.deepEqual({ status: second.status, body: second.body }, { status: 503, body: refused });
    await closed;
    assert.deepEqual(peer.received.map((r) => r.message['11']).filter((s) => s === '000001' || s === '000002'), ['000001'], 'only the request in flight reached the host');
  });
}
