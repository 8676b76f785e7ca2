// A flow's stop waited for every inbound endpoint's close with Promise.allSettled and dropped what they said: an
// endpoint whose close failed gave a stop that resolved, `flow NAME stopped` and exit 0, as if all had closed. Now, as
// the gateway's stop does (settle-all.ts), every part is still waited for and the first failure is the stop's: the
// `run` command reports it (its coded line, exit 1: signals.ts stopFailed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Iso8583Error } from '@iso8583/codec';
import { loadFlow, startFlow } from '../src/index.js';

test("a flow's stop rejects with an inbound endpoint's close failure, once every endpoint has closed", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-close-failure-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'flow.json'),
    // A shutdown deadline that must not pass: once it has, the stop aborts what is left and reports no close failure
    // (the default 10 s was within reach of a loaded machine).
    JSON.stringify({
      name: 'two',
      shutdownDeadline: 60_000,
      inboundEndpoints: { a: { port: 0, sequence: 'host-simulator' }, b: { port: 0, sequence: 'host-simulator' } },
    }),
  );
  const running = await startFlow(loadFlow(join(dir, 'flow.json')), pino({ level: 'silent' }));
  const failing = running.endpoints.a;
  const other = running.endpoints.b;
  assert.ok(failing !== undefined && other !== undefined);
  const failure = new Iso8583Error('ISO8583_ERR_INBOUND_LISTEN', 'endpoint "a" could not close its listener');
  const realClose = failing.close.bind(failing);
  // The endpoint really closes (its port freed), then says it failed.
  failing.close = async (options) => {
    await realClose(options);
    throw failure;
  };
  await assert.rejects(running.close(), (err) => err === failure);
  // The other endpoint was not cut short: it closed too.
  assert.equal(other.address(), null, 'the other endpoint closed');
  assert.equal(failing.address(), null, 'the failing endpoint closed its port');
});
