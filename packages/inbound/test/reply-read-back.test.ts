// A reply read back for `onReply` (or for its count, when field 39 is not fixed-length text) leaves the codec that
// decodes the requests as the requests left it: its most recent message type (whose compiled reader reads a whole
// request at once) stays the request's, and no reply's shape is kept in its cache. Read back on that codec, each reply
// took the place of the request as "most recent", so every request missed the whole-message reader. White box: the
// codec's layout is not part of the public API. The pipeline is driven through `handleFrame` with an endpoint core and a
// connection side of the test's own, real codecs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from '@iso8583/codec';
import type { Codec, Frame, IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import type { EndpointCore, Peer } from '../src/core.js';
import { handleFrame } from '../src/pipeline.js';
import { asPacked, rcFixedTextLength } from '../src/reply-write.js';
import type { Sequence } from '../src/index.js';
import { purchase } from './support/client.js';
import { endpointCore, silent } from './support/endpoint-core.js';
import { gate } from './support/gates.js';

/** Requests sent: more than a shape is read before its reader is compiled (8), for requests and replies alike. */
const REQUESTS = 24;

interface HeldShape {
  readonly compiled: unknown;
}
interface ShapeCache {
  readonly recent: HeldShape | undefined;
  held(): HeldShape[];
}

function shapesOf(codec: Codec): ShapeCache {
  return (codec as unknown as { layout: { shapes: ShapeCache } }).layout.shapes;
}

test('inbound reply – read back for onReply, replies leave the request codec\'s shape cache (most recent type, compiled readers) to the requests', async () => {
  const seen: IsoMessage[] = [];
  const sequence: Sequence = async (m) => ({ ...m.fields, 0: '0210', 39: '00' });
  const core = endpointCore('reply-read-back', sequence, { onReply: (reply) => void seen.push(reply) });
  const sent: Buffer[] = [];
  let done = gate();
  const peer: Peer = {
    remoteAddress: '127.0.0.1',
    remotePort: 40000,
    logger: silent,
    sequenceLogger: silent,
    send(frame) {
      sent.push(frame);
      return true;
    },
    handled() {
      done.open();
    },
    formatError: () => false,
    wellFormed: () => undefined,
  };
  const shapes = shapesOf(core.codec);
  for (let i = 1; i <= REQUESTS; i++) {
    done = gate();
    const frame: Frame = { header: Buffer.alloc(0), payload: core.codec.pack(purchase(i)) };
    assert.equal(handleFrame(core, frame, peer), false, 'the sequence is awaited');
    await within(done.promise, 10_000, `request ${i} to be answered`);
  }
  assert.equal(sent.length, REQUESTS);
  assert.equal(seen.length, REQUESTS, 'every reply observed');
  assert.equal(seen[REQUESTS - 1]!['0'], '0210');
  assert.equal(seen[REQUESTS - 1]!['39'], '00');
  const held = shapes.held();
  assert.equal(held.length, 1, 'only the request\'s shape is kept by the request codec (no reply read on it)');
  // Compared as a boolean: a shape printed in full (its plans, code pages) would bury the message.
  assert.ok(shapes.recent === held[0], 'the most recent shape is the request\'s');
  assert.ok(held[0]!.compiled, 'the request\'s reader was compiled');
});

test('inbound reply – the count\'s check of a reply reads no dialect: whether field 39 is fixed-length text is the core\'s, computed once', () => {
  const sequence: Sequence = async (m) => ({ ...m.fields, 0: '0210', 39: '00' });
  const core = endpointCore('reply-read-back', sequence, { onReply: () => undefined });
  let dialectReads = 0;
  // Counts what the reply's check asks of the codec's dialect (none: the length is the core's).
  const codec = new Proxy(core.codec, {
    get(target, key, receiver) {
      if (key === 'dialect') dialectReads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  const counted: EndpointCore = { ...core, codec, options: { ...core.options, onReply: undefined } };
  const reply = { 0: '0210', 11: '000001', 39: '00' };
  for (let i = 0; i < 3; i++) assert.equal(asPacked(counted, codec.pack(reply), reply), reply, 'counted as written: no read-back');
  assert.equal(dialectReads, 0);
});

test('inbound reply – rcFixedTextLength: the length of a fixed-length text field 39, else undefined', () => {
  const fixed = createCodec('iso87ascii').dialect;
  assert.equal(rcFixedTextLength(fixed), 2);
  const spec = fixed.fields['39']!;
  assert.equal(rcFixedTextLength({ ...fixed, fields: { ...fixed.fields, 39: { ...spec, encoding: 'binary' } } }), undefined, 'binary');
  assert.equal(rcFixedTextLength({ ...fixed, fields: { ...fixed.fields, 39: { ...spec, prefix: { encoding: 'ascii', digits: 2 } } } }), undefined, 'a length prefix');
  const without: Record<string, unknown> = { ...fixed.fields };
  delete without['39'];
  assert.equal(rcFixedTextLength({ ...fixed, fields: without as typeof fixed.fields }), undefined, 'no field 39');
});
