// `iso8583 load`'s terminals never reuse a STAN still waiting for its answer on their connection: when the counter
// wraps from 999999 to 000001 while 000001 waits, the next free STAN is used, and the late answer is its own request's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { IsoMessage } from '@iso8583/codec';
import { LoadRun } from '../src/load/load-run.js';
import { LoadClient } from '../src/load/terminal.js';
import { answerFrame, LOAD_FRAMING, loadCodec, loadHost } from './helpers/load-host.js';

test('a terminal whose STAN wraps to one still in flight skips it: no STAN twice in flight, each answer its own request\'s', async (t) => {
  const stans: string[] = [];
  let held: { request: IsoMessage; socket: net.Socket } | undefined;
  let firstSeen: () => void = () => undefined;
  const first = new Promise<void>((resolve) => {
    firstSeen = resolve;
  });
  // The first request is held until the third comes; every other one is answered at once.
  const port = await loadHost(t, (request, _payload, socket) => {
    stans.push(request['11'] as string);
    if (held === undefined) {
      held = { request, socket };
      firstSeen();
      return;
    }
    socket.write(answerFrame(request));
    if (stans.length === 3) held.socket.write(answerFrame(held.request));
  });
  const clients: LoadClient[] = [];
  t.after(() => {
    for (const c of clients) c.close();
  });
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve) => socket.once('connect', resolve));
  const run = new LoadRun('1987', 3, undefined, undefined);
  run.open = 1;
  const client = new LoadClient(socket, 0, run, loadCodec, LOAD_FRAMING, Buffer.alloc(0), 10_000);
  clients.push(client);
  // Two requests in flight on the terminal: the first (000001) waits at the host...
  const a = client.work();
  await first;
  // ... while the terminal goes round its STANs: 999998 requests later its counter stands at 999999.
  (client as unknown as { stan: number }).stan = 999_999;
  const b = client.work();
  await Promise.all([a, b]);
  assert.deepEqual(stans, ['000001', '000002', '000003'], 'the wrapped counter skipped 000001, still in flight');
  assert.deepEqual(run.outcomes, { '00': 3 }, 'each request answered by its own answer');
  assert.equal(run.unmatched, 0);
  assert.equal(run.sent, 3);
});
