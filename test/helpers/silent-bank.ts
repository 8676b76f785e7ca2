/**
 * A bank for the multi-node tests: it never answers a purchase (its outcome stays unknown: the gateway reverses it),
 * answers 0800 at once and reversals (0400, 0401) once told to (on every link, or on one), and records every message
 * it got with the link it came on, and each reversal it answered.
 */
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { MessageStream, createCodec, responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';

const codec = createCodec('iso87ascii');

/** A message the bank received. */
export interface Seen {
  message: IsoMessage;
  /** The connection it came on: 0 = the first to connect, 1 = the second, ... */
  link: number;
}

/** A running bank (binary2 length header, iso87ascii). */
export interface SilentBank {
  port: number;
  /** Every message received, in order. */
  seen: Seen[];
  /** The messages received, in order (on `link` only, when given). */
  messages(link?: number): IsoMessage[];
  /** Connections accepted so far. */
  links(): number;
  /** From now on, answer reversals (39 = 00): on every link, or only on `link`'s. */
  answer(link?: number): void;
  /** How many times the reversal of each STAN (field 11) was answered. */
  answered: Map<string, number>;
  /** The reversals received for a STAN whose reversal was already answered (on any link). */
  afterAnswer: Seen[];
  close(): Promise<void>;
}

/** Starts a {@link SilentBank} on a free port of 127.0.0.1. */
export async function startBank(): Promise<SilentBank> {
  const seen: Seen[] = [];
  const answered = new Map<string, number>();
  const afterAnswer: Seen[] = [];
  const sockets = new Set<Socket>();
  /** Which links answer reversals: none yet, every one, or one. */
  let answering: 'none' | 'all' | number = 'none';
  let links = 0;
  const server = createServer((socket) => {
    const link = links++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
      frame: (frame) => {
        const message = stream.decode(frame).message;
        seen.push({ message, link });
        const mti = String(message['0']);
        if (mti === '0800') stream.send({ '0': '0810', '11': String(message['11']), '39': '00', '70': String(message['70']) });
        if (mti !== '0400' && mti !== '0401') return;
        const stan = String(message['11']);
        if (answered.has(stan)) afterAnswer.push({ message, link });
        if (answering !== 'all' && answering !== link) return;
        answered.set(stan, (answered.get(stan) ?? 0) + 1);
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
    messages: (link) => seen.filter((s) => link === undefined || s.link === link).map((s) => s.message),
    links: () => links,
    answer: (link) => {
      answering = link ?? 'all';
    },
    answered,
    afterAnswer,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
