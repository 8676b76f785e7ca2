// Without `signOn`, after an echo went unanswered, a new connection must answer an echo test before it is used. That
// echo not answered was worded "the sign-on was not answered", though no sign-on was sent: the error (same code,
// `ISO8583_ERR_CONNECTOR_SIGN_ON`) and the `connection failed` line now name the echo test. Real peer on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Iso8583Error } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import { capturedLogger, connectorFor, peerFor } from './helpers/setup.js';

test('an unanswered echo test of a new connection (no signOn) is worded as the echo test, not a sign-on', async (t) => {
  let mute = false;
  const peer = await peerFor(t, (r, p) => {
    if (!mute) p.send(r.socket, answer(r.message));
  });
  const { logger, lines } = capturedLogger('warn');
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    echoInterval: 100,
    requestTimeout: 300,
    reconnect: { initialDelay: 10, maxDelay: 50 },
    transactionLog: false,
    logger,
  });
  await connector.connect();
  assert.equal((await connector.request(purchase('610001')))['39'], '00');
  mute = true;
  // The idle connection's echo goes unanswered (it closes), then the new connection's echo does: its attempt fails.
  const failed = eventWithin<Iso8583Error>(20_000, 'no connect attempt failed on the unanswered echo', (resolve) => {
    const on = (err: Iso8583Error): void => {
      if (err.code !== 'ISO8583_ERR_CONNECTOR_SIGN_ON') return;
      connector.off('error', on);
      resolve(err);
    };
    connector.on('error', on);
  });
  const err = await failed;
  const echoes = peer.received.filter((r) => r.message['0'] === '0800');
  assert.ok(echoes.length >= 2 && echoes.every((r) => r.message['70'] === '301'), 'only echo tests were sent, no sign-on');
  assert.equal(err.message, 'the echo test of the new connection was not answered (ISO8583_ERR_CONNECTOR_TIMEOUT)');
  const line = lines.find((l) => l.msg === 'connection failed' && l.code === 'ISO8583_ERR_CONNECTOR_SIGN_ON');
  assert.equal(line?.reason, 'the echo test of the new connection was not answered (ISO8583_ERR_CONNECTOR_TIMEOUT)');
  assert.ok(!lines.some((l) => String(l.reason).includes('sign-on')), 'no line speaks of a sign-on');
});
