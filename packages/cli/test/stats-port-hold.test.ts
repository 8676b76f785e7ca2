// The stats port against peers that never close: each holds a file descriptor the POS listener shares, so the port
// closes them (after its linger, and the oldest at its cap) while a well-behaved reader still gets its JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { startStatsPort } from '../src/gateway/stats-port.js';
import type { StatsPort } from '../src/gateway/stats-port.js';

/** A peer that reads the JSON and then keeps its side open (never ends, never closes). */
interface Holder {
  socket: Socket;
  /** Settles with the JSON once it has all arrived (the port's FIN). */
  json: Promise<string>;
  /**
   * Settles when the port has closed the connection. A peer that has read the port's FIN reads no more, so it learns
   * of the close only by writing (its next write is refused): it writes a byte every 25 ms, as a client keeping it would.
   */
  closed: Promise<void>;
}

function holder(port: StatsPort): Holder {
  const socket = connect({ host: port.address.address, port: port.address.port, allowHalfOpen: true });
  socket.on('error', () => undefined);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  const json = new Promise<string>((resolve) => socket.once('end', () => resolve(text)));
  const poke = setInterval(() => {
    if (socket.writable) socket.write('x');
  }, 25);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void closed.then(() => clearInterval(poke));
  return { socket, json, closed };
}

/** What a well-behaved reader (it closes when the port does) gets. */
function readOnce(port: StatsPort): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port.address.port, port.address.address);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

test('stats port – a peer that never closes after the JSON is closed by the port once the linger has passed', async () => {
  const port = await startStatsPort('127.0.0.1', 0, () => ({ ok: 1 }), { linger: 200 });
  const held = [holder(port), holder(port), holder(port)];
  try {
    for (const h of held) assert.equal(await h.json, '{"ok":1}\n');
    // Without the linger these stay open for as long as the peers like: 20 s is a deadline, not a wait.
    await within(Promise.all(held.map((h) => h.closed)), 20_000, 'the port kept connections whose peers never closed');
    assert.equal(await readOnce(port), '{"ok":1}\n');
  } finally {
    for (const h of held) h.socket.destroy();
    await port.close();
  }
});

test('stats port – at its cap the oldest connection is closed for a new one, which gets its JSON', async () => {
  const cap = 8;
  const port = await startStatsPort('127.0.0.1', 0, () => ({ ok: 2 }), { linger: 600_000, maxConnections: cap });
  const held: Holder[] = [];
  try {
    for (let i = 0; i < cap; i++) {
      const h = holder(port);
      held.push(h);
      // Accepted and answered before the next one comes: the order of arrival is the order held.
      assert.equal(await h.json, '{"ok":2}\n');
    }
    const next = holder(port);
    held.push(next);
    assert.equal(await next.json, '{"ok":2}\n');
    await within(held[0]!.closed, 20_000, 'the oldest connection was not closed at the cap');
    // A well-behaved reader makes room the same way and gets its JSON.
    assert.equal(await readOnce(port), '{"ok":2}\n');
    await within(held[1]!.closed, 20_000, 'the second oldest connection was not closed for the reader');
  } finally {
    for (const h of held) h.socket.destroy();
    await port.close();
  }
});
