/**
 * A bank for the multi-node tests: it never answers a purchase (its outcome stays unknown: the gateway reverses it),
 * answers 0800 at once and reversals (0400, 0401) once told to, and records every message it got.
 */
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { MessageStream, createCodec, responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';

const codec = createCodec('iso87ascii');

/** A running bank (binary2 length header, iso87ascii). */
export interface SilentBank {
  port: number;
  /** Every message received, in order. */
  seen: IsoMessage[];
  /** Connections accepted so far. */
  links(): number;
  /** From now on, answer reversals (39 = 00). */
  answer(): void;
  close(): Promise<void>;
}

/** Starts a {@link SilentBank} on a free port of 127.0.0.1. */
export async function startBank(): Promise<SilentBank> {
  const seen: IsoMessage[] = [];
  const sockets = new Set<Socket>();
  let answering = false;
  let links = 0;
  const server = createServer((socket) => {
    links++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
      frame: (frame) => {
        const message = stream.decode(frame).message;
        seen.push(message);
        const mti = String(message['0']);
        if (mti === '0800') stream.send({ '0': '0810', '11': String(message['11']), '39': '00', '70': String(message['70']) });
        if ((mti !== '0400' && mti !== '0401') || !answering) return;
        const reply: IsoMessage = { '0': responseMti(mti) ?? '0410', '39': '00' };
        for (const f of ['3', '4', '7', '11', '41', '49', '90']) if (typeof message[f] === 'string') reply[f] = message[f];
        stream.send(reply);
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    seen,
    links: () => links,
    answer: () => {
      answering = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
