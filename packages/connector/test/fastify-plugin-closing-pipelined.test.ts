// A request that comes to the routes while the app closes is refused 503 ISO8583_ERR_CONNECTOR_CLOSED and never
// reaches the host: one whose `onRequest` runs after the close began (the plugin's onRequest refusal), and one whose
// `onRequest` ran before it but whose route runs after (held in a hook of the application's: routeBegins refuses it;
// was: sent to the host while the app closed). Two requests pipelined in one write on a raw socket; the second held by
// the application's hook until the first was answered and the close began (gates, no sleeps). Real host on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import Fastify from 'fastify';
import type { FastifyRequest } from 'fastify';
import { iso8583Connector } from '../src/index.js';
import { answer, startPeer } from './peer.js';

/** A POST of `body` as JSON to `path`, as bytes on the wire, marked `x-held` when `held`. */
function post(path: string, body: unknown, held: boolean): string {
  const text = JSON.stringify(body);
  return `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n${held ? 'x-held: 1\r\n' : ''}\r\n${text}`;
}

const echo = (stan: string): Record<string, string> => ({ '0': '0800', '7': '1207120000', '11': stan, '70': '301' });

for (const hook of ['onRequest', 'preHandler'] as const) {
  test(`routes: a pipelined request held in the app's ${hook} until the close began is refused 503 coded, never sent to the host`, async (t) => {
    const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
    const app = Fastify({ return503OnClosing: false });
    let firstAnswered: () => void = () => undefined;
    const answeredFirst = new Promise<void>((resolve) => (firstAnswered = resolve));
    let closingSeen: () => void = () => undefined;
    const closing = new Promise<void>((resolve) => (closingSeen = resolve));
    const closes: Promise<void>[] = [];
    // The app's own hook, before the plugin's (added first): it holds the second request until the first's answer
    // went and the close began (the app's preClose hook below runs after the plugin's).
    app.addHook(hook, async (request: FastifyRequest) => {
      if (request.headers['x-held'] === undefined) return;
      await answeredFirst;
      closes.push(app.close());
      await closing;
    });
    app.addHook('onResponse', async (request: FastifyRequest) => {
      if (request.headers['x-held'] === undefined) firstAnswered();
    });
    await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: peer.port, routes: { prefix: '/bank' } });
    app.addHook('preClose', (done) => {
      closingSeen();
      done();
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    t.after(async () => {
      await (closes[0] ?? app.close());
      await peer.close();
    });
    await app.iso8583.bank?.connect();
    const socket = connect(Number(new URL(address).port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise<void>((resolve, reject) => {
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    socket.write(post('/bank', echo('000001'), false) + post('/bank', echo('000002'), true));
    await ended;
    const text = Buffer.concat(chunks).toString('utf8');
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '503'], text);
    assert.match(text.slice(text.lastIndexOf('HTTP/1.1 503')), /ISO8583_ERR_CONNECTOR_CLOSED/);
    await closes[0];
    assert.deepEqual(peer.received.map((r) => r.message['11']).filter((s) => s === '000001' || s === '000002'), ['000001'], 'only the first reached the host');
  });
}
