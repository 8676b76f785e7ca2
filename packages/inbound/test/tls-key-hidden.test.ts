// The server's private key was a plain property of `endpoint.options.tls`: a program that logged or printed its
// endpoint (a sequence holding it) wrote the PEM key. Now JSON (pino) and util.inspect show it as `[set]`; TLS works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import { makeCertificates } from '@iso8583/test-support';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { createListener, listen } from '../src/listener.js';
import { validateInboundOptions } from '../src/options.js';

test('a TLS endpoint: JSON and util.inspect of it and its options hold no private key; TLS still works', async (t) => {
  const certs = makeCertificates();
  t.after(() => certs.cleanup());
  assert.match(certs.serverKey, /PRIVATE KEY/);
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, tls: { cert: certs.serverCert, key: certs.serverKey } });
  for (const text of [JSON.stringify(endpoint.options), inspect(endpoint, { depth: 5 }), inspect(endpoint.options, { depth: 5 })]) {
    // Never the text as the message: a failure would print the key.
    assert.ok(!text.includes('PRIVATE KEY'), 'the private key is shown');
  }
  assert.equal((JSON.parse(JSON.stringify(endpoint.options)) as { tls: { key: string } }).tls.key, '[set]');
  const client = await TestClient.connect(port, { tls: { ca: certs.ca, servername: 'localhost' } });
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(1))).fields['39'], '00');
  // And with a client connected after its handshake.
  assert.ok(!inspect(endpoint, { depth: 5 }).includes('PRIVATE KEY'), 'the private key is shown with a client connected');
  assert.equal(endpoint.options.tls?.key, certs.serverKey);
});

/**
 * Whether a string or buffer holding `needle` is reachable from `root` through own properties (enumerable or not,
 * symbols too; values, never getters; objects, not functions), at most `depth` steps away: what util.inspect or a walk of the object could show.
 */
function reaches(root: unknown, needle: string, depth: number): boolean {
  const seen = new Set<object>();
  const walk = (value: unknown, left: number): boolean => {
    if (typeof value === 'string') return value.includes(needle);
    if (Buffer.isBuffer(value)) return value.includes(needle);
    // Not functions (their prototypes lead into all of Node) nor other typed arrays (a key per byte).
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || left === 0 || seen.has(value)) return false;
    seen.add(value);
    for (const key of Reflect.ownKeys(value)) {
      const d = Object.getOwnPropertyDescriptor(value, key);
      if (d !== undefined && 'value' in d && walk(d.value, left - 1)) return true;
    }
    return false;
  };
  return walk(root, depth);
}

// Node's tls.Server kept the PEM key as its own property `key`, and each accepted TLS socket points to its server:
// a printed or walked listener or client socket (util.inspect) held the key. Now only the secure context holds it.
test('the TLS listener and its accepted sockets hold no private key (mutual TLS); clients still connect', async (t) => {
  const certs = makeCertificates();
  t.after(() => certs.cleanup());
  const o = validateInboundOptions({ port: 0, sequence: approveAll, tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requestCert: true } });
  const server = createListener(o);
  const accepted: TLSSocket[] = [];
  // The sockets first: close() waits for every accepted connection to end.
  t.after(() => new Promise((resolve) => {
    for (const s of accepted) s.destroy();
    server.close(resolve);
  }));
  server.on('secureConnection', (socket: TLSSocket) => {
    accepted.push(socket);
    socket.on('error', () => undefined);
  });
  const { port } = await listen(server, '127.0.0.1', 0);
  assert.ok(!reaches(server, 'PRIVATE KEY', 6), 'the listening server holds the private key');
  const client = connect({ host: '127.0.0.1', port, ca: certs.ca, servername: 'localhost', cert: certs.clientCert, key: certs.clientKey });
  client.on('error', () => undefined);
  accepted.push(client as TLSSocket);
  await Promise.all([once(client, 'secureConnect'), once(server, 'secureConnection')]);
  assert.equal(client.authorized, true);
  assert.equal(accepted[1]?.authorized, true);
  // Never the text as the message: a failure would print the key.
  for (const [what, root] of [['the server', server], ['an accepted socket', accepted[1]]] as const) {
    assert.ok(!reaches(root, 'PRIVATE KEY', 6), `${what} holds the private key`);
    assert.ok(!inspect(root, { depth: 5 }).includes('PRIVATE KEY'), `util.inspect of ${what} shows the private key`);
  }
});
