// The one join of a caller's signal with a stop's (joined-signal.ts), used by the gateway's stop (stop-abort.ts) and
// by a flow message's context.signal (flow/watched-connectors.ts): whichever aborts first gives its reason; a stop
// that outlives its joins keeps nothing of them (one listener on it whatever the joins, a join never aborted collected
// while the stop lives); a joined signal serves any number of listeners without Node's leak warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { joinedSignal } from '../src/joined-signal.js';

test('joined signal – whichever aborts first gives its reason; one already aborted at once', () => {
  const stop = new AbortController();
  const given = new AbortController();
  const joined = joinedSignal(given.signal, stop.signal);
  assert.equal(joined.aborted, false);
  const gone = new Error('client gone');
  given.abort(gone);
  assert.equal(joined.reason, gone);
  stop.abort(new Error('stopping'));
  assert.equal(joined.reason, gone, 'the first reason kept');

  const other = new AbortController();
  const second = new AbortController();
  const byStop = joinedSignal(second.signal, other.signal);
  const stopping = new Error('stopping');
  other.abort(stopping);
  assert.equal(byStop.reason, stopping);
  second.abort(gone);
  assert.equal(byStop.reason, stopping, 'the first reason kept');
  assert.equal(getEventListeners(second.signal, 'abort').length, 0, 'the caller\'s listener went with its abort');

  assert.equal(joinedSignal(given.signal, new AbortController().signal).reason, gone, 'a caller\'s signal already aborted');
  assert.equal(joinedSignal(new AbortController().signal, other.signal).reason, stopping, 'a stop already aborted');
});

test('joined signal – a stop that outlives its joins holds one listener and none of the joined signals', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const stop = new AbortController();
  const kept = new AbortController();
  const keptJoin = joinedSignal(kept.signal, stop.signal);
  const refs: WeakRef<AbortSignal>[] = [];
  for (let i = 0; i < 200; i++) refs.push(new WeakRef(joinedSignal(new AbortController().signal, stop.signal)));
  assert.equal(getEventListeners(stop.signal, 'abort').length, 1, 'one listener on the stop, whatever the joins');
  // A WeakRef made in a job is kept to its end: collected in a later one.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  assert.equal(alive, 0, `${alive} of 200 joined signals never aborted outlived their callers' signals`);
  // The one its caller still holds is aborted by the stop, with its reason.
  const stopping = new Error('stopping');
  stop.abort(stopping);
  assert.equal(keptJoin.reason, stopping);
});

test('joined signal – serves more than ten listeners without a MaxListenersExceededWarning', async () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning);
  };
  process.on('warning', onWarning);
  try {
    const joined = joinedSignal(new AbortController().signal, new AbortController().signal);
    // Each request a sequence sends with its context.signal listens to it.
    for (let i = 0; i < 20; i++) joined.addEventListener('abort', () => undefined);
    // Process warnings are emitted in a later turn.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message), []);
});

test('joined signal – a request still holding the joined signal is aborted by the stop after its caller\'s signal is gone', async () => {
  // sr66d #1: a sequence that sends without awaiting the send, then settles: its message's signal is collected, the
  // request still waits on the joined signal (an AbortSignal does not hold its controller).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const stop = new AbortController();
  const held = ((): AbortSignal => joinedSignal(new AbortController().signal, stop.signal))();
  let heard = 0;
  held.addEventListener('abort', () => (heard += 1));
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  const stopping = new Error('stopping');
  stop.abort(stopping);
  assert.equal(held.reason, stopping, 'the stop reached the request still waiting on the signal');
  assert.equal(heard, 1);
});
