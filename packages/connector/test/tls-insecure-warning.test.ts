// `tls.rejectUnauthorized: false` turned the check of the host's certificate off without a word. Now every start logs
// ISO8583_WARN_TLS_INSECURE naming the option, and each `connected` line carries `tlsVerify: false`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { makeCertificates } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

for (const verify of [false, true]) {
  test(`tls.rejectUnauthorized ${verify ? 'true: no warning' : 'false: a coded warning at start, tlsVerify false on connected'}`, async (t) => {
    const certs = makeCertificates();
    const chunks: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => { chunks.push(chunk.toString('utf8')); done(); } }));
    const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)), { tls: { cert: certs.serverCert, key: certs.serverKey } });
    // Not verified, the host is reached although its certificate is for localhost and no CA is given.
    const connector = createConnector({ host: '127.0.0.1', port: peer.port, logger, tls: verify ? { ca: certs.ca, servername: 'localhost' } : { rejectUnauthorized: false } });
    t.after(async () => {
      await connector.destroy();
      await peer.close();
      certs.cleanup();
    });
    assert.equal((await connector.request(purchase('005301')))['39'], '00');
    const lines = chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const warned = lines.filter((l) => l.code === 'ISO8583_WARN_TLS_INSECURE');
    const connected = lines.filter((l) => l.msg === 'connected');
    assert.equal(connected.length, 1, chunks.join(''));
    if (verify) {
      assert.deepEqual(warned, []);
      assert.equal(connected[0]?.tlsVerify, undefined);
      return;
    }
    assert.equal(warned.length, 1, chunks.join(''));
    assert.equal(warned[0]?.level, 40);
    assert.equal(warned[0]?.field, 'tls.rejectUnauthorized');
    assert.match(String(warned[0]?.msg), /^tls\.rejectUnauthorized: the host's certificate is not verified/);
    assert.equal(connected[0]?.tlsVerify, false);
  });
}

test('tls.sources.rejectUnauthorized names the setting that turned the check off, in the warning\'s field and text', async (t) => {
  const certs = makeCertificates();
  const chunks: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => { chunks.push(chunk.toString('utf8')); done(); } }));
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)), { tls: { cert: certs.serverCert, key: certs.serverKey } });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, logger, tls: { rejectUnauthorized: false, sources: { rejectUnauthorized: '--bank-insecure' } } });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
    certs.cleanup();
  });
  assert.equal((await connector.request(purchase('005302')))['39'], '00');
  const warned = chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.code === 'ISO8583_WARN_TLS_INSECURE');
  assert.equal(warned.length, 1, chunks.join(''));
  assert.equal(warned[0]?.field, '--bank-insecure');
  assert.match(String(warned[0]?.msg), /^--bank-insecure: the host's certificate is not verified/);
});

test('a name of tls.sources empty or with a line break is refused naming it (ISO8583_ERR_CONNECTOR_OPTIONS)', () => {
  for (const insecureSource of ['', 'flag\nforged line', 42]) {
    assert.throws(
      () => createConnector({ host: '127.0.0.1', port: 9, tls: { rejectUnauthorized: false, sources: { rejectUnauthorized: insecureSource } } as never }),
      (err: { code?: string; problems?: { field?: string }[] }) => err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && err.problems?.[0]?.field === 'tls.sources.rejectUnauthorized',
      JSON.stringify(insecureSource),
    );
  }
});

// `tls.sources` was kept by reference: a name the caller changed after createConnector (a line break in it) reached
// the warning's text and field unchecked. Now the connector keeps a frozen copy, checked once.
test('tls.sources is copied and frozen at createConnector: a name changed after reaches no line', async (t) => {
  const certs = makeCertificates();
  const chunks: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => { chunks.push(chunk.toString('utf8')); done(); } }));
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)), { tls: { cert: certs.serverCert, key: certs.serverKey } });
  const sources = { rejectUnauthorized: '--bank-insecure' };
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, logger, tls: { rejectUnauthorized: false, sources } });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
    certs.cleanup();
  });
  sources.rejectUnauthorized = '--bank-insecure\n{"level":30,"msg":"forged"}';
  assert.notEqual(connector.options.tls?.sources, sources);
  assert.ok(Object.isFrozen(connector.options.tls?.sources));
  assert.equal(connector.options.tls?.sources?.rejectUnauthorized, '--bank-insecure');
  assert.equal((await connector.request(purchase('005303')))['39'], '00');
  const warned = chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.code === 'ISO8583_WARN_TLS_INSECURE');
  assert.equal(warned.length, 1, chunks.join(''));
  assert.equal(warned[0]?.field, '--bank-insecure');
  assert.match(String(warned[0]?.msg), /^--bank-insecure: the host's certificate is not verified/);
});
