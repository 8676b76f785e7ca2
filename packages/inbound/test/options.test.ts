import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';
import { makeCertificates } from '@iso8583/test-support';
import { createInboundEndpoint, inboundOptionsSchema, validateInboundOptions } from '../src/index.js';

const sequence = (): undefined => undefined;
const certs = makeCertificates();

test('validateInboundOptions – fills in every default from the manifest schema', () => {
  const o = validateInboundOptions({ port: 0, sequence });
  assert.equal(o.name, 'inbound');
  assert.equal(o.host, '127.0.0.1');
  assert.equal(o.dialect, 'iso87ascii');
  assert.equal(o.frame, 'binary2');
  assert.equal(o.lengthIncludesHeader, false);
  assert.equal(o.headerBytes, 0);
  assert.equal(o.lenient, false);
  assert.equal(o.sequenceTimeout, 30000);
  assert.equal(o.maxConnections, 10000);
  assert.equal(o.maxFrameSize, 65535);
  assert.equal(o.maxInFlightPerConnection, 64);
  assert.equal(o.idleTimeout, 0);
  assert.equal(o.readTimeout, 30000);
  assert.equal(o.allow, undefined);
  assert.deepEqual(o.connectors, {});
  assert.equal(o.sequence, sequence);
  assert.ok(Object.isFrozen(o));
});

test('validateInboundOptions – names every bad option at once, never its value', () => {
  const secretish = '4111111111111111';
  let error: unknown;
  try {
    validateInboundOptions({
      port: 70000,
      sequence: 42,
      frame: 'binary3',
      maxInFlightPerConnection: 0,
      tls: { cert: secretish },
      allow: ['10.0.0.0/33'],
      colour: 'blue',
    });
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof Iso8583Error);
  assert.equal(error.code, 'ISO8583_ERR_INBOUND_OPTIONS');
  const fields = (error.problems ?? []).map((p) => p.field).sort();
  assert.deepEqual(fields, ['allow.0', 'colour', 'frame', 'maxInFlightPerConnection', 'port', 'sequence', 'tls.key'].sort());
  for (const field of fields) assert.match(error.message, new RegExp(field.replace('.', '\\.')));
  assert.doesNotMatch(error.message, new RegExp(secretish));
});

test('validateInboundOptions – a count of Infinity, NaN or past its maximum is refused naming it', () => {
  for (const key of ['maxConnections', 'maxConnectionsPerAddress', 'maxInFlightPerConnection', 'maxFormatErrors', 'maxFrameSize']) {
    for (const bad of [Infinity, NaN, 2 ** 32, 1e21]) {
      assert.throws(() => validateInboundOptions({ port: 0, sequence, [key]: bad }), (err: Iso8583Error) => {
        assert.equal(err.code, 'ISO8583_ERR_INBOUND_OPTIONS');
        assert.ok(err.problems?.some((p) => p.field === key), `${key} = ${String(bad)}`);
        return true;
      });
    }
  }
  const o = validateInboundOptions({ port: 0, sequence, maxConnections: 2 ** 32 - 1, maxInFlightPerConnection: 2 ** 32 - 1 });
  assert.deepEqual([o.maxConnections, o.maxInFlightPerConnection], [2 ** 32 - 1, 2 ** 32 - 1]);
});

test('validateInboundOptions – port and sequence are required', () => {
  assert.throws(() => validateInboundOptions({}), (err: Iso8583Error) => {
    assert.deepEqual(err.problems?.map((p) => p.field).sort(), ['port', 'sequence']);
    return true;
  });
});

test('validateInboundOptions – refuses something that is not an object', () => {
  assert.throws(() => validateInboundOptions(null), { code: 'ISO8583_ERR_INBOUND_OPTIONS' });
  assert.throws(() => validateInboundOptions([]), { code: 'ISO8583_ERR_INBOUND_OPTIONS' });
});

test('validateInboundOptions – accepts a sequence by name, TLS, an allow-list and runtime objects', () => {
  const o = validateInboundOptions({
    port: 8583,
    sequence: 'host-simulator',
    onError: () => undefined,
    tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requestCert: true },
    allow: ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8'],
    connectors: { bank: {} },
    frame: 'ascii4',
  });
  assert.equal(o.tls?.requestCert, true);
  assert.deepEqual(o.allow, ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
  assert.ok(Object.isFrozen(o.tls));
});

test('validateInboundOptions – does not change the options given', () => {
  const given = { port: 0, sequence, tls: { cert: certs.serverCert, key: certs.serverKey } };
  validateInboundOptions(given);
  assert.deepEqual(Object.keys(given), ['port', 'sequence', 'tls']);
  assert.deepEqual(Object.keys(given.tls), ['cert', 'key']);
});

test('inboundOptionsSchema – every option of the schema has a description that states its default or that it is required', () => {
  const schema = inboundOptionsSchema() as { properties: Record<string, { description?: string }> };
  for (const [name, property] of Object.entries(schema.properties)) {
    assert.ok(property.description !== undefined, `${name} has a description`);
    assert.match(property.description, /Default|Required/, `${name} states its default`);
  }
});

test('createInboundEndpoint – an unknown dialect is an options error naming dialect, with the codec\'s reason', () => {
  assert.throws(() => createInboundEndpoint({ port: 0, sequence, dialect: 'no-such-dialect' }), (err: Iso8583Error) => {
    assert.equal(err.code, 'ISO8583_ERR_INBOUND_OPTIONS');
    assert.equal(err.field, 'dialect');
    // What to fix, not only the code: the codec's text (a dialect holds no card data).
    assert.match(err.message, /dialect \(cannot be loaded: unknown dialect "no-such-dialect": neither built in \(.*\(ISO8583_ERR_DIALECT_UNKNOWN\)\)$/);
    return true;
  });
  const noFields = { name: 'x' } as unknown as Dialect;
  assert.throws(() => createInboundEndpoint({ port: 0, sequence, dialect: noFields }), (err: Iso8583Error) => {
    assert.match(String(err.problems?.[0]?.reason), /^cannot be loaded: invalid dialect: .*fields \(must be an object keyed by field number\) \(ISO8583_ERR_DIALECT_INVALID\)$/);
    return true;
  });
});

test('createInboundEndpoint – a logger or registry without the methods the endpoint calls is an options error naming it', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['logger', { logger: {} }, 'child()'],
    ['logger', { logger: { child: 5, info: () => undefined } }, 'child()'],
    ['registry', { registry: {} }, 'getSingleMetric(), registerMetric()'],
    ['registry', { registry: { getSingleMetric: () => undefined } }, 'registerMetric()'],
  ];
  for (const [field, options, missing] of cases) {
    assert.throws(() => createInboundEndpoint({ port: 0, sequence, ...options }), (err: Iso8583Error) => {
      assert.equal(err.code, 'ISO8583_ERR_INBOUND_OPTIONS');
      assert.deepEqual((err.problems ?? []).map((p) => p.field), [field], JSON.stringify(options));
      assert.match(err.message, new RegExp(`${field}.*${missing.replace(/[()]/g, '\\$&')}`));
      return true;
    });
  }
  // Both at once, each named.
  assert.throws(() => createInboundEndpoint({ port: 0, sequence, logger: {} as never, registry: {} as never }), (err: Iso8583Error) => {
    assert.deepEqual((err.problems ?? []).map((p) => p.field).sort(), ['logger', 'registry']);
    return true;
  });
});
