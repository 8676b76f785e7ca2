// The stop's give-up joins each caller's signal (a client gone) with its own once per caller signal, and either
// aborts the joined one with its own reason; a request without a signal gets the stop's; a SAF-stored one neither.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { StopAbort } from '../src/gateway/stop-abort.js';

interface Sent {
  signal?: AbortSignal;
  saf?: unknown;
}

function link(): { request(input: unknown, options?: Sent): Sent | undefined } {
  return { request: (_input, options) => options };
}

test('stop abort – one joined signal per caller signal, aborted by the stop with its reason; nothing added to the caller\'s signal per request', () => {
  const stop = new StopAbort();
  const wrapped = stop.wrap(link());
  const gone = new AbortController();
  const first = wrapped.request({}, { signal: gone.signal })?.signal;
  for (let i = 0; i < 1000; i++) assert.equal(wrapped.request({}, { signal: gone.signal })?.signal, first, 'the same joined signal');
  assert.equal(getEventListeners(gone.signal, 'abort').length, 1, 'one listener on the caller\'s signal, whatever the requests');
  const own = wrapped.request({}, {})?.signal;
  assert.ok(own !== undefined && own !== first);
  assert.deepEqual(wrapped.request({}, { saf: true }), { saf: true }, 'a SAF-stored request waits for nothing: left as it is');
  stop.abort();
  assert.equal(first?.aborted, true);
  assert.equal((first?.reason as { code?: string }).code, 'ISO8583_ERR_CONNECTOR_ABORTED');
  assert.equal(own?.aborted, true);
  const late = new AbortController();
  assert.equal(wrapped.request({}, { signal: late.signal })?.signal?.aborted, true, 'a request after the stop gave up is given up at once');
});

test('stop abort – a caller\'s signal that aborts first gives its reason, and the stop after it changes nothing', () => {
  const stop = new StopAbort();
  const wrapped = stop.wrap(link());
  const gone = new AbortController();
  const joined = wrapped.request({}, { signal: gone.signal })?.signal;
  const reason = new Error('client gone');
  gone.abort(reason);
  assert.equal(joined?.aborted, true);
  assert.equal(joined?.reason, reason);
  stop.abort();
  assert.equal(joined?.reason, reason, 'the first reason kept');
  const already = new AbortController();
  already.abort(reason);
  assert.equal(wrapped.request({}, { signal: already.signal })?.signal?.reason, reason);
});
