/**
 * A raw TCP (or TLS) host for the tests: a real socket server on 127.0.0.1 port 0 that cuts frames with the codec and
 * lets each test decide, per request, how the "bank" behaves (answer, answer later, never, garbage, split, close).
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TlsOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { MessageStream, createCodec, encodeFrame } from '@iso8583/codec';
import type { Codec, Dialect, FramingOptions, IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';

/** One request received by the peer. */
export interface Received {
  message: IsoMessage;
  header: Buffer;
  socket: Socket;
}

/** The peer's behaviour for each received request. */
export type PeerHandler = (received: Received, peer: Peer) => void;

/** The test host. */
export interface Peer {
  port: number;
  codec: Codec;
  framing: FramingOptions;
  received: Received[];
  sockets: Set<Socket>;
  /** Frames a message (packed with the peer's codec). */
  frame(message: IsoMessage, header?: Buffer): Buffer;
  /** Sends a message on a socket. */
  send(socket: Socket, message: IsoMessage, header?: Buffer): void;
  /** Resolves when `n` requests have been received in total; rejects with a message after `deadline` ms (default 20 s). */
  waitFor(n: number, deadline?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** The response to a request: MTI + 10, the request's fields echoed, response code 00 unless given. */
export function answer(request: IsoMessage, fields: IsoMessage = {}): IsoMessage {
  const mti = request['0'] as string;
  const out: IsoMessage = { ...request, '39': '00', ...fields };
  out['0'] = mti.slice(0, 2) + String(Number(mti[2]) + 1) + '0';
  delete out['35'];
  delete out['52'];
  delete out['55'];
  return out;
}

/**
 * The response with field 70 (`n 3`, last in the message) packed, then made non-digits on the wire: undecodable at
 * field 70, every field before it (the match key, field 7) recoverable.
 */
export function corruptResponse(peer: Peer, message: IsoMessage): Buffer {
  const body = Buffer.from(peer.codec.pack({ ...message, '70': '301' }));
  if (body.toString('latin1', body.length - 3) !== '301') throw new Error('field 70 is not last in the packed response');
  body.write('X0Y', body.length - 3, 'latin1');
  return encodeFrame(body, peer.framing);
}

/** Starts a peer. `tls` makes it a TLS server. */
export async function startPeer(
  handler: PeerHandler,
  options: { framing?: FramingOptions; dialect?: string | Dialect; tls?: TlsOptions; port?: number } = {},
): Promise<Peer> {
  const codec = createCodec(options.dialect ?? 'iso87ascii');
  const framing: FramingOptions = options.framing ?? { lengthHeader: 'binary2' };
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const streams = new WeakMap<Socket, MessageStream>();
  const waiting: { n: number; resolve: (r: Received[]) => void }[] = [];
  const self: { peer?: Peer } = {};
  const onSocket = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const stream = new MessageStream(
      socket,
      { framing, codec },
      {
        frame: (f) => {
          const r: Received = { message: stream.decode(f).message, header: Buffer.from(f.header), socket };
          received.push(r);
          for (const w of [...waiting]) {
            if (received.length >= w.n) {
              waiting.splice(waiting.indexOf(w), 1);
              w.resolve(received.slice());
            }
          }
          handler(r, self.peer as Peer);
        },
      },
    );
    streams.set(socket, stream);
  };
  const server: Server = options.tls !== undefined ? createTlsServer(options.tls, onSocket) : createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const peer: Peer = {
    port: (server.address() as AddressInfo).port,
    codec,
    framing,
    received,
    sockets,
    frame: (message, header) => encodeFrame(codec.pack(message), framing, header),
    send: (socket, message, header) => {
      const stream = streams.get(socket);
      if (stream === undefined) socket.write(encodeFrame(codec.pack(message), framing, header));
      else stream.send(message, header);
    },
    waitFor: (n, deadline = 20_000) => {
      if (received.length >= n) return Promise.resolve(received.slice());
      // A waiter whose deadline passed stays listed: its late resolve is a no-op.
      return eventWithin<Received[]>(deadline, () => `the peer received ${received.length} of ${n} requests within ${deadline} ms`, (resolve) => {
        waiting.push({ n, resolve });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  self.peer = peer;
  return peer;
}

/** A purchase (0200) from a test terminal, test card 4111111111111111. */
export function purchase(stan: string, terminal = 'TERM0001', amount = '000000001000'): IsoMessage {
  return {
    '0': '0200',
    '2': '4111111111111111',
    '3': '000000',
    '4': amount,
    '7': '1121103000',
    '11': stan,
    '32': '123456',
    '35': '4111111111111111=29122010000000000000',
    '41': terminal,
    '49': '840',
  };
}
