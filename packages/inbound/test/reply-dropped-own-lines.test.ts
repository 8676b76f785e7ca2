// The endpoint's own replies (the 30 for a frame that does not decode, the fallback 96) that a connection's destroy
// cuts are counted as any reply cut (`ISO8583_ERR_INBOUND_CLIENT_GONE`), but their lines are always capped: without
// onLateResult they were each given an uncapped line (meant for a result a sequence produced, which nothing else
// names), so a client sending garbage it never reads bypassed the cap on undecodable-frame warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import type { DisconnectInfo } from '../src/index.js';
import { badFrame } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { rawConnect } from './support/gates.js';
import { captureLogs } from './support/logs.js';

test('reply dropped own lines – 30s a destroy cuts, without onLateResult: counted, their lines capped', async (t) => {
  const logs = captureLogs('info');
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, logger: logs.logger, maxFormatErrors: 0, idleTimeout: 300 });
  const client = await rawConnect(port);
  t.after(() => client.destroy());
  // Never read: far more 30s than the sockets' buffers hold wait in the endpoint's socket until idleTimeout cuts them.
  client.pause();
  const cut = eventWithin<DisconnectInfo>(30_000, 'the client that reads nothing was not closed by idleTimeout', (resolve) => {
    endpoint.on('disconnect', (info) => {
      if (info.remotePort === client.localPort) resolve(info);
    });
  });
  const burst = Buffer.concat(Array.from({ length: 2_000 }, () => badFrame()));
  for (let i = 0; i < 100; i++) client.write(burst);
  assert.equal((await cut).code, 'ISO8583_ERR_INBOUND_IDLE_TIMEOUT');
  const gone = endpoint.stats().errorsByCode['ISO8583_ERR_INBOUND_CLIENT_GONE'] ?? 0;
  assert.ok(gone >= 100, `${gone} 30s cut`);
  const cutLines = logs.text().split('\n').filter((line) => line.includes('closed before it was written')).length;
  assert.ok(cutLines >= 1 && cutLines <= 20, `${cutLines} lines for ${gone} 30s cut`);
});
