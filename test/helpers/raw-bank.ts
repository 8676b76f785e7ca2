/**
 * A bank that may answer with bytes no codec would pack (a real TCP peer on 127.0.0.1 port 0, iso87ascii in 2-byte
 * binary frames): each request goes to `answer`, which gives a message, a raw message body (framed here), or nothing
 * (silence). For the tests of what the gateway does with a malformed answer.
 */
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { MessageStream, createCodec, encodeFrame } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';

const codec = createCodec('iso87ascii');

/** An answer: a message, the bytes of a message (without length header), or `undefined` for none. */
export type RawAnswer = IsoMessage | Buffer | undefined;

/** A running raw bank. */
export interface RawBank {
  port: number;
  /** Every request received, in order. */
  received: IsoMessage[];
  close(): Promise<void>;
}

/** Packs `message` with iso87ascii (the bytes a raw answer starts from). */
export function packed(message: IsoMessage): Buffer {
  return Buffer.from(codec.pack(message));
}

/** Starts a {@link RawBank} on a free port of 127.0.0.1. */
export async function startRawBank(answer: (request: IsoMessage) => RawAnswer): Promise<RawBank> {
  const received: IsoMessage[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
      frame: (frame) => {
        const request = stream.decode(frame).message;
        received.push(request);
        const reply = answer(request);
        if (reply === undefined) return;
        if (Buffer.isBuffer(reply)) stream.write(encodeFrame(reply, { lengthHeader: 'binary2' }));
        else stream.send(reply);
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
