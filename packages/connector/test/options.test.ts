// Options are checked by ajv against the manifest's schema before any socket opens; every bad option is named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createConnector, operationSchema, readManifest, validateConnectorOptions } from '../src/index.js';
import type { ConnectorOptions } from '../src/index.js';

test('validateConnectorOptions – fills every default from the manifest schema and freezes the result', () => {
  const o = validateConnectorOptions({ host: '127.0.0.1', port: 5000 });
  assert.equal(o.name, 'default');
  assert.equal(o.dialect, 'iso87ascii');
  assert.equal(o.frame, 'binary2');
  assert.equal(o.headerBytes, 0);
  assert.equal(o.connectTimeout, 5000);
  assert.equal(o.requestTimeout, 30000);
  assert.deepEqual({ ...o.pool }, { min: 1, max: 1, idleTimeout: 30000, acquireTimeout: 10000 });
  assert.equal(o.mode, 'multiplex');
  assert.deepEqual([...o.matchKey], ['0', '11', '41']);
  assert.equal(o.maxInFlight, 1000);
  assert.deepEqual({ ...o.terminalQueue }, { enabled: false, maxQueued: 100, timeout: 30000, lockConnections: 20 });
  assert.equal(o.reversal.mti, '0400');
  assert.equal(o.reversal.retryInterval, 10000);
  assert.deepEqual({ ...o.autoFill }, { stan: false, transmissionTime: false });
  assert.deepEqual({ ...o.reconnect }, { initialDelay: 100, maxDelay: 30000 });
  assert.ok(Object.isFrozen(o));
  assert.ok(Object.isFrozen(o.pool));
});

test('validateConnectorOptions – names every bad option at once, never its value', () => {
  const bad = {
    host: '',
    port: 70000,
    frame: 'binary3',
    pool: { min: 3, max: 2 },
    mode: 'shared',
    matchKey: ['x'],
    reversal: { enabled: true },
    headerBytes: 5,
    header: '6000',
    tls: { ca: 'secret-ca-4111111111111111', cert: 'C' },
    colour: 'blue',
    onUnsolicited: 'not a function',
    dialect: '/nonexistent/dialect-file.json',
  };
  assert.throws(
    () => validateConnectorOptions(bad),
    (err: { code: string; message: string; problems: { field: string }[] }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
      const fields = err.problems.map((p) => p.field).sort();
      for (const f of ['host', 'port', 'frame', 'pool.min', 'mode', 'matchKey.0', 'reversal.journalDir', 'header', 'tls.key', 'colour', 'onUnsolicited', 'dialect']) {
        assert.ok(fields.includes(f), `${f} is named (got ${fields.join(', ')})`);
      }
      assert.doesNotMatch(err.message, /4111111111111111|blue|binary3/);
      return true;
    },
  );
});

test('validateConnectorOptions – host and port are required; options must be an object', () => {
  assert.throws(() => validateConnectorOptions({}), (err: { problems: { field: string }[] }) => {
    assert.deepEqual(err.problems.map((p) => p.field).sort(), ['host', 'port']);
    return true;
  });
  assert.throws(() => validateConnectorOptions(null), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS' });
});

test('createConnector – invalid options throw before any socket opens', async () => {
  let connections = 0;
  const server = createServer((s) => {
    connections += 1;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  assert.throws(() => createConnector({ host: '127.0.0.1', port, requestTimeout: -1 } as ConnectorOptions), {
    code: 'ISO8583_ERR_CONNECTOR_OPTIONS',
  });
  // A probe connection made after the throw: had the refused connector dialled first, the server would accept it first.
  const probe = connect(port, '127.0.0.1');
  await once(server, 'connection');
  probe.destroy();
  assert.equal(connections, 1, 'only the probe connected');
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('the manifest describes the connector, its operations and every option with a description', () => {
  const manifest = readManifest();
  assert.equal(manifest.connector.name, '@iso8583/connector');
  assert.ok(manifest.connector.version.length > 0);
  assert.ok(manifest.connector.operations.init && manifest.connector.operations.sendMessage);
  const props = (operationSchema('init') as { properties: Record<string, { description?: string; properties?: Record<string, { description?: string }> }> }).properties;
  for (const [name, schema] of Object.entries(props)) {
    assert.ok(schema.description, `${name} has a description`);
    for (const [sub, s] of Object.entries(schema.properties ?? {})) assert.ok(s.description, `${name}.${sub} has a description`);
  }
  const send = operationSchema('sendMessage') as { required: string[] };
  assert.deepEqual(send.required, ['message']);
});

test('validateConnectorOptions – a store key the PostgreSQL store cannot hold is refused naming storeKeys.I or name', () => {
  // Before: the key reached the journal as `upstream` / `formerUpstreams/I`, options the caller never gave.
  const store = 'postgresql://u@127.0.0.1:1/db';
  const refusedAs = (field: string) => (err: { code?: string; problems?: { field: string }[] }): boolean =>
    err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && err.problems?.map((p) => p.field).join() === field;
  for (const bad of ['a\u0000b', 'x\ud800']) {
    assert.throws(() => validateConnectorOptions({ host: 'h', port: 1, store, storeKeys: [bad] }), refusedAs('storeKeys.0'));
    assert.throws(() => validateConnectorOptions({ host: 'h', port: 1, store, storeKeys: ['ok', bad] }), refusedAs('storeKeys.1'));
    assert.throws(() => validateConnectorOptions({ host: 'h', port: 1, store, name: bad }), refusedAs('name'));
  }
  // Odd characters the store holds as given stay allowed; a name is no store key without a store URL.
  const odd = 'we"ird,{key}\\ é\'; --';
  assert.deepEqual(validateConnectorOptions({ host: 'h', port: 1, store, storeKeys: [odd] }).storeKeys, [odd]);
  assert.equal(validateConnectorOptions({ host: 'h', port: 1, name: 'a\u0000b' }).name, 'a\u0000b');
});

test('validateConnectorOptions – a beforeConnect that is not a function is refused naming it (it would be skipped unsaid)', () => {
  for (const beforeConnect of [true, 'check', Promise.resolve()]) {
    assert.throws(
      () => validateConnectorOptions({ host: '127.0.0.1', port: 1, beforeConnect } as unknown as Parameters<typeof validateConnectorOptions>[0]),
      (err: { code?: string; problems?: Array<{ field: string }> }) => err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && JSON.stringify(err).includes('beforeConnect'),
    );
  }
  assert.doesNotThrow(() => validateConnectorOptions({ host: '127.0.0.1', port: 1, beforeConnect: () => undefined }));
});
