// lingerClose (src/http/linger-close.ts) cut short, before its 2 s bound, by a graceful stop's deadline
// (own-answer-close.ts, closeOwnAnswersBy; the connection cap's bound on connections closing cuts it the same way, a
// destroy): the answer kept in doubt is judged by what the linger saw before the cut. A client that sent bytes during
// it may be reset by the cut (its unread answer thrown away): reversed. A silent one is closed with a FIN and loses
// nothing: delivered (silence cut short is no more a sign of an unread answer than silence for the whole 2 s). Real
// sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { within } from '@iso8583/test-support';
import { deliveryInDoubt, keepInDoubt } from '@iso8583/connector/delivery-doubt';
import { lingerClose } from '../src/http/linger-close.js';
import { closeOwnAnswersBy } from '../src/http/own-answer-close.js';

const DEADLINE = 10_000;

/**
 * A server side in doubt that answers the client's first bytes (kept in doubt), ends its side and lingers; the client
 * reads the answer and never ends its side. `sends` says whether the client then sends more during the linger. The
 * linger is cut short by the stop's deadline (now) once the server side has seen what the client sent, if anything.
 */
async function cutShort(t: { after: (fn: () => unknown) => void }, sends: boolean): Promise<{ reported: number; read: string; cutAtOnce: boolean }> {
  const server = createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  let reported = 0;
  let heardFirst: () => void = () => undefined;
  const heard = new Promise<void>((resolve) => (heardFirst = resolve));
  let side: Socket | undefined;
  const lingering = new Promise<void>((resolve) => server.once('connection', (s: Socket) => {
    side = s;
    s.on('error', () => undefined);
    deliveryInDoubt(s);
    s.once('data', () => {
      s.write('answer-approved', () => {
        keepInDoubt(s, () => reported++);
        s.end();
        lingerClose(s);
        // After the linger's own listener: what it counted is counted by then.
        s.once('data', () => heardFirst());
        resolve();
      });
    });
  }));
  const client = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
  client.on('error', () => undefined);
  t.after(() => client.destroy());
  let read = '';
  const answered = new Promise<void>((resolve) => client.setEncoding('latin1').on('data', (d: string) => {
    read += d;
    if (read.includes('approved')) resolve();
  }));
  client.write('request');
  await within(lingering, DEADLINE, 'the server side to linger');
  await within(answered, DEADLINE, 'the client to read its answer');
  if (sends) {
    client.write('more');
    await within(heard, DEADLINE, 'the linger to read what the client sent');
  }
  const closed = new Promise<void>((resolve) => (side!.closed ? resolve() : side!.once('close', () => resolve())));
  // The graceful stop's deadline is now: the linger is cut short, its close due at once (a timer of 0 ms), not at its
  // 2 s bound. Looked at a turn after the cut's own timer (no wall clock: a busy machine may take 2 s for anything).
  closeOwnAnswersBy(server as never, Date.now());
  const cutAtOnce = await new Promise<boolean>((resolve) => setTimeout(() => resolve(side!.destroyed), 0));
  await within(closed, DEADLINE, 'the linger cut short');
  return { reported, read, cutAtOnce };
}

test('lingerClose cut short – a client that sent bytes during the linger has its kept answer reversed', async (t) => {
  const { reported, read, cutAtOnce } = await cutShort(t, true);
  assert.equal(cutAtOnce, true, 'cut short');
  assert.equal(read, 'answer-approved');
  assert.equal(reported, 1, 'the cut may have reset the client, its answer unread: reversed');
});

test('lingerClose cut short – a client silent during the linger has its kept answer counted delivered', async (t) => {
  const { reported, read, cutAtOnce } = await cutShort(t, false);
  assert.equal(cutAtOnce, true, 'cut short');
  assert.equal(read, 'answer-approved');
  assert.equal(reported, 0, 'a silent client is closed with a FIN: delivered');
});
