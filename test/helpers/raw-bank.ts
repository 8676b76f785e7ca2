/**
 * A bank that may answer with bytes no codec would pack (a real TCP peer on 127.0.0.1 port 0; iso87ascii in 2-byte
 * binary frames unless told otherwise): each request goes to `answer`, which gives a message, a raw message body
 * (framed here), or nothing (silence). For the tests of what the gateway does with a malformed answer.
 */
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { MessageStream, createCodec, encodeFrame } from '@iso8583/codec';
import type { FramingOptions, IsoMessage } from '@iso8583/codec';

/** An answer: a message, the bytes of a message (without length header), or `undefined` for none. */
export type RawAnswer = IsoMessage | Buffer | undefined;

/** What the rule gives for a request: an answer, several frames in order, or an answer later. */
export type RawReply = RawAnswer | RawAnswer[] | Promise<RawAnswer>;

/** A running raw bank. */
export interface RawBank {
  port: number;
  /** Every request received, in order. */
  received: IsoMessage[];
  close(): Promise<void>;
}

/** Packs `message` with `dialect` (default iso87ascii): the bytes a raw answer starts from. */
export function packed(message: IsoMessage, dialect = 'iso87ascii'): Buffer {
  return Buffer.from(createCodec(dialect).pack(message));
}

/** The wire a {@link RawBank} speaks. */
export interface RawBankOptions {
  /** A built-in dialect. Default `iso87ascii`. */
  dialect?: string;
  /** The length header. Default `binary2`. */
  lengthHeader?: FramingOptions['lengthHeader'];
}

/** Starts a {@link RawBank} on a free port of 127.0.0.1. */
export async function startRawBank(answer: (request: IsoMessage) => RawReply, options: RawBankOptions = {}): Promise<RawBank> {
  const codec = createCodec(options.dialect ?? 'iso87ascii');
  const framing: FramingOptions = { lengthHeader: options.lengthHeader ?? 'binary2' };
  const received: IsoMessage[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const stream = new MessageStream(socket, { framing, codec }, {
      frame: (frame) => {
        const request = stream.decode(frame).message;
        received.push(request);
        const write = (reply: RawAnswer): void => {
          if (reply === undefined || socket.destroyed) return;
          if (Buffer.isBuffer(reply)) stream.write(encodeFrame(reply, framing));
          else stream.send(reply);
        };
        const reply = answer(request);
        if (reply instanceof Promise) void reply.then(write);
        else if (Array.isArray(reply)) reply.forEach(write);
        else write(reply);
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
