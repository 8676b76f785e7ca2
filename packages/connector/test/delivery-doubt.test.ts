// The bound on the answers a connection in doubt keeps (src/delivery-doubt.ts), on real sockets on 127.0.0.1: an answer
// is kept till the connection's close only while the kernel's buffers could still hold it (the last DOUBT_WINDOW_BYTES
// taken by the kernel) and among the last DOUBT_MAX_ANSWERS; a close that cut reports the kept ones, one that did not
// reports none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { DOUBT_MAX_ANSWERS, DOUBT_WINDOW_BYTES, deliveryInDoubt, inDoubt, keepInDoubt } from '../src/delivery-doubt.js';

/** A connected pair on 127.0.0.1: the server's side and the client's. */
async function pair(t: { after: (fn: () => unknown) => void }): Promise<{ side: Socket; client: Socket }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => undefined);
  const side = await accepted;
  side.on('error', () => undefined);
  t.after(() => {
    client.destroy();
    side.destroy();
  });
  return { side, client };
}

const closed = (socket: Socket): Promise<unknown> => new Promise((resolve) => socket.once('close', resolve));

test('delivery doubt – an answer older than the window counts delivered; a close that cut reports those within it', async (t) => {
  const { side, client } = await pair(t);
  deliveryInDoubt(side, () => true);
  assert.equal(inDoubt(side), true);
  const reported: string[] = [];
  side.write('answer A');
  keepInDoubt(side, () => reported.push('A'));
  // The client reads more than the kernel's buffers can hold: A has left them, read.
  let read = 0;
  const bulk = DOUBT_WINDOW_BYTES + 1024 * 1024;
  const allRead = new Promise<void>((resolve) => client.on('data', (d: Buffer) => {
    read += d.length;
    if (read >= bulk + 'answer A'.length) resolve();
  }));
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  for (let sent = 0; sent < bulk; sent += chunk.length) side.write(chunk);
  await new Promise<void>((resolve) => side.write('answer B', () => resolve()));
  keepInDoubt(side, () => reported.push('B'));
  await allRead;
  const gone = closed(side);
  side.destroy();
  await gone;
  assert.deepEqual(reported, ['B'], 'only the answer within the window is reported at a close that cut');
});

test('delivery doubt – at most DOUBT_MAX_ANSWERS are kept (the oldest count delivered); a close that did not cut reports none', async (t) => {
  const first = await pair(t);
  deliveryInDoubt(first.side, () => true);
  let reported = 0;
  for (let n = 0; n < DOUBT_MAX_ANSWERS + 100; n++) keepInDoubt(first.side, () => reported++);
  const gone = closed(first.side);
  first.side.destroy();
  await gone;
  assert.equal(reported, DOUBT_MAX_ANSWERS, 'the kept answers are reported, no more');

  const second = await pair(t);
  deliveryInDoubt(second.side, () => false);
  let told = 0;
  keepInDoubt(second.side, () => told++);
  const gone2 = closed(second.side);
  second.side.destroy();
  await gone2;
  keepInDoubt(second.side, () => told++);
  assert.equal(told, 0, 'a close that cut nothing reports nothing, nor an answer written whole as it closed');
});

test('delivery doubt – an answer settled by the count is let go at once (its report and what it holds freed)', async (t) => {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { side } = await pair(t);
  deliveryInDoubt(side, () => true);
  // Only the report holds the answer.
  const keepOne = (): WeakRef<Buffer> => {
    const answer = Buffer.alloc(1024);
    keepInDoubt(side, () => answer.length);
    return new WeakRef(answer);
  };
  const ref = keepOne();
  // Settles the first (the count's bound), too few to drop the settled slots by compaction.
  for (let n = 0; n < DOUBT_MAX_ANSWERS; n++) keepInDoubt(side, () => undefined);
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  assert.equal(ref.deref(), undefined, 'a settled answer is not held till compaction or close');
});
