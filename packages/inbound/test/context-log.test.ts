// A sequence that logs its `context` (`context.logger.info({ context })`) or turns it into JSON gets the context's
// documented fields only: never the message in flight behind it, so never another terminal's card data (its
// neighbour in the deadline list) nor the endpoint's options (the TLS private key). Real endpoint over TLS, two real
// clients, the second held in its sequence by a gate while the first logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { makeCertificates, within } from '@iso8583/test-support';
import type { Sequence, SequenceContext } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';
import { gate } from './support/gates.js';

const certs = makeCertificates();
const B = { 2: '5413330089010434', 35: '5413330089010434=30121015555555', 41: 'TERMBBBB', 52: 'C0FFEE1234ABCD99' };

test('a logged context shows its documented fields: no other terminal\'s card data, no TLS key; JSON.stringify works', async (t) => {
  const bHeld = gate();
  const bArrived = gate();
  const logged = gate();
  let json: string | undefined;
  let inspected: string | undefined;
  const logs = captureLogs('info');
  const sequence: Sequence = async (m, context: SequenceContext) => {
    if (m.fields['41'] === 'TERMBBBB') {
      bArrived.open();
      await bHeld.promise;
      return null;
    }
    context.logger.info({ context }, 'the context');
    json = JSON.stringify(context);
    inspected = inspect(context, { depth: 8 });
    logged.open();
    return null;
  };
  const { port } = await startEndpoint(t, {
    sequence,
    logger: logs.logger,
    connectors: { bank: { name: 'bank' } },
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  const tls = { ca: certs.ca, servername: 'localhost' };
  const b = await TestClient.connect(port, { tls });
  const a = await TestClient.connect(port, { tls });
  t.after(() => {
    bHeld.open();
    a.destroy();
    b.destroy();
  });
  b.send(purchase(7, B));
  await within(bArrived.promise, 5_000, 'B\'s purchase never reached its sequence');
  a.send(purchase(1));
  await within(logged.promise, 5_000, 'A\'s sequence never logged');
  const line = await within(logs.waitFor(/"the context"/), 5_000, 'no context line');
  for (const [what, text] of [['the log line', line], ['JSON.stringify', json ?? ''], ['util.inspect', inspected ?? '']] as const) {
    assert.doesNotMatch(text, /PRIVATE KEY/, `${what}: the TLS key`);
    assert.ok(!text.includes(B[2]), `${what}: B's PAN`);
    assert.ok(!text.includes('1015555555'), `${what}: B's track 2`);
    assert.ok(!text.includes(B[52]), `${what}: B's PIN block`);
  }
  const shown = (JSON.parse(line) as { context: Record<string, unknown> }).context;
  assert.deepEqual(Object.keys(shown).sort(), ['connectors', 'endpoint', 'messageId', 'remoteAddress', 'remotePort']);
  assert.deepEqual(shown.connectors, ['bank']);
  assert.deepEqual(JSON.parse(json ?? 'null'), shown);
});

test('the onError context shows its error as a log line does, the message\'s card data masked', async (t) => {
  let json: string | undefined;
  const { port } = await startEndpoint(t, {
    sequence: (m) => {
      throw new Error(`declined card ${String(m.fields['2'])}`);
    },
    onError: (m, context) => {
      json = JSON.stringify(context);
      return { 0: '0210', 11: m.fields['11'] as string, 39: '91' };
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await within(client.request(purchase(2)), 5_000, 'no reply')).fields['39'], '91');
  const view = JSON.parse(json ?? 'null') as { error?: { code?: string } };
  assert.equal(view.error?.code, 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED');
  assert.ok(!(json ?? '').includes('4111111111111111'), 'the PAN in the error is masked');
});
