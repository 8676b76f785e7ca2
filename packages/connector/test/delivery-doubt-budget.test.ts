// The bound across the process on the answers kept on connections in doubt (src/delivery-doubt.ts), on real sockets on
// 127.0.0.1: an answer owed there counts from its admission (or its connection's mark) till it closes, a kept one till
// its connection closes; a new request on a connection in doubt is admitted only under the bound, one on a connection
// not in doubt always.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { admitInDoubt, deliveryInDoubt, keepInDoubt, keptInDoubt, oweInDoubt, owedInDoubt } from '../src/delivery-doubt.js';

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

test('delivery doubt budget – owed and kept answers count against the bound till they close; past it a connection in doubt is refused', async (t) => {
  const plain = await pair(t);
  const { side, client } = await pair(t);
  const base = { kept: keptInDoubt(), owed: owedInDoubt() };
  // Not in doubt: always admitted, nothing counted.
  const first = new EventEmitter();
  assert.equal(admitInDoubt(plain.side, first, 0), true);
  assert.equal(owedInDoubt(), base.owed);

  deliveryInDoubt(side, () => false);
  // An answer at the routes when the connection is marked: counted, without a check.
  const running = new EventEmitter();
  oweInDoubt(side, running);
  oweInDoubt(side, running);
  assert.equal(owedInDoubt(), base.owed + 1, 'counted once');
  // Room for one more under a bound of base + 2.
  const max = base.kept + base.owed + 2;
  const admitted = new EventEmitter();
  assert.equal(admitInDoubt(side, admitted, max), true);
  assert.equal(owedInDoubt(), base.owed + 2);
  assert.equal(admitInDoubt(side, new EventEmitter(), max), false, 'refused at the bound');
  assert.equal(admitInDoubt(plain.side, new EventEmitter(), max), true, 'a connection not in doubt is not refused');

  // Written whole: kept till the connection's close (the routes keep it as the response closes).
  side.write('answer');
  keepInDoubt(side, () => assert.fail('the close did not cut it'));
  running.emit('close');
  assert.equal(keptInDoubt(), base.kept + 1);
  assert.equal(owedInDoubt(), base.owed + 1);
  assert.equal(admitInDoubt(side, new EventEmitter(), max), false, 'still at the bound: kept and owed count together');

  // The connection's close settles what it kept and lets go of what it owed.
  const done = closed(side);
  client.end();
  side.end();
  await done;
  assert.equal(keptInDoubt(), base.kept);
  assert.equal(owedInDoubt(), base.owed);
  admitted.emit('close');
  assert.equal(owedInDoubt(), base.owed, 'an answer closing after its connection is not let go twice');
});
