/**
 * A scripted bank for the tests that need to hold or drop answers (a real TCP peer on 127.0.0.1 port 0, iso87ascii in
 * 2-byte binary frames): every request is recorded and handed to `answer`, which returns the reply or `undefined`
 * to stay silent.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { MessageStream, createCodec, responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';

const codec = createCodec('iso87ascii');

/** The ordinary answer to a request: response MTI (the codec's rule), fields echoed, response code 00. */
export function approve(request: IsoMessage): IsoMessage {
  const mti = String(request['0']);
  const out: IsoMessage = { '0': responseMti(mti) ?? mti };
  for (const id of ['3', '4', '7', '11', '12', '13', '41', '42', '49', '70']) {
    const v = request[id];
    if (typeof v === 'string') out[id] = v;
  }
  out['39'] = '00';
  return out;
}

/** A running scripted bank. */
export interface ScriptedBank {
  port: number;
  /** Every request received, in order. */
  received: IsoMessage[];
  /** Replaces the answering rule by one that may answer later through `write`. */
  onRequest(handler: (request: IsoMessage, write: (reply: IsoMessage) => void) => void): void;
  /**
   * Resolves when a request satisfying `test` has been received (or has already been); rejects naming what was
   * awaited (and how many requests came) when none has after `limitMs` (default 30000).
   */
  waitFor(test: (m: IsoMessage, index: number) => boolean, limitMs?: number): Promise<IsoMessage>;
  /** Destroys the open connections (a link lost under the requests in flight); the bank still takes new ones. */
  drop(): void;
  close(): Promise<void>;
}

/** Starts a scripted bank on `port` of 127.0.0.1 (default 0: a free port; give a port to bring a bank back where it was). */
export async function startBank(answer: (request: IsoMessage) => IsoMessage | undefined, port = 0): Promise<ScriptedBank> {
  let handler = (request: IsoMessage, write: (reply: IsoMessage) => void): void => {
    const reply = answer(request);
    if (reply !== undefined) write(reply);
  };
  const received: IsoMessage[] = [];
  const waiters: { test: (m: IsoMessage, index: number) => boolean; resolve: (m: IsoMessage) => void }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
      frame: (frame) => {
        const request = stream.decode(frame).message;
        received.push(request);
        for (let i = waiters.length - 1; i >= 0; i--) {
          const w = waiters[i] as (typeof waiters)[number];
          if (w.test(request, received.length - 1)) {
            waiters.splice(i, 1);
            w.resolve(request);
          }
        }
        handler(request, (reply) => {
          stream.send(reply);
        });
      },
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as { port: number }).port,
    received,
    onRequest: (h) => {
      handler = h;
    },
    waitFor: (test, limitMs = 30_000) => {
      const found = received.find((m, i) => test(m, i));
      if (found !== undefined) return Promise.resolve(found);
      // A waiter whose deadline passed stays listed: its late resolve is a no-op.
      return eventWithin(limitMs, () => `the bank received no request matching ${test.toString().slice(0, 120)} within ${limitMs} ms (${received.length} received)`, (resolve) => {
        waiters.push({ test, resolve });
      });
    },
    drop: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
