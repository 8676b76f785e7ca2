/**
 * ISO 8583:1993 peers for the end-to-end tests (iso93ascii in 2-byte binary length frames on 127.0.0.1): a POS
 * terminal that matches answers by STAN (11) + terminal (41), and a scripted bank that records every request and
 * answers through a rule that may stay silent.
 */
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { FrameDecoder, createCodec, encodeFrame } from '@iso8583/codec';
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';

const codec = createCodec('iso93ascii');
const framing = { lengthHeader: 'binary2' } as const;

/** One POS connection speaking iso93ascii. */
export class Pos93 {
  private readonly pending = new Map<string, (m: IsoMessage) => void>();
  private readonly decoder = new FrameDecoder(framing);

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) {
        const m = codec.unpack(frame.payload);
        const key = `${String(m['11'])}/${String(m['41'])}`;
        this.pending.get(key)?.(m);
        this.pending.delete(key);
      }
    });
  }

  static open(host: string, port: number): Promise<Pos93> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => resolve(new Pos93(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request; resolves with its answer, or rejects naming it after `limitMs` (default 30000). */
  request(message: MessageInput, limitMs = 30_000): Promise<IsoMessage> {
    const packed = codec.pack(message);
    const sent = codec.unpack(packed);
    const key = `${String(sent['11'])}/${String(sent['41'])}`;
    return eventWithin(limitMs, `no answer to ${String(sent['0'])} ${key} within ${limitMs} ms`, (resolve) => {
      this.pending.set(key, resolve);
      this.socket.write(encodeFrame(packed, framing));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }
}

/** A scripted 1993 bank. */
export interface Bank93 {
  port: number;
  received: IsoMessage[];
  /** Resolves with the first request satisfying `test` (already received or to come); rejects after `limitMs`. */
  waitFor(test: (m: IsoMessage) => boolean, what: string, limitMs?: number): Promise<IsoMessage>;
  close(): Promise<void>;
}

/**
 * Starts a bank that answers each request with what `answer` returns (`undefined`: silence, or an answer written
 * later through `write`).
 */
export async function startBank93(answer: (request: IsoMessage, write: (reply: IsoMessage) => void) => IsoMessage | undefined): Promise<Bank93> {
  const received: IsoMessage[] = [];
  const waiters: { test: (m: IsoMessage) => boolean; resolve: (m: IsoMessage) => void }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder(framing);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        const request = codec.unpack(frame.payload);
        received.push(request);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i]!.test(request)) waiters.splice(i, 1)[0]!.resolve(request);
        }
        const write = (reply: IsoMessage): void => void socket.write(encodeFrame(codec.pack(reply), framing));
        const reply = answer(request, write);
        if (reply !== undefined) write(reply);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    received,
    waitFor(test, what, limitMs = 30_000) {
      const found = received.find(test);
      if (found !== undefined) return Promise.resolve(found);
      return eventWithin(limitMs, () => `the bank did not receive ${what} within ${limitMs} ms (${received.length} requests)`, (resolve) => {
        waiters.push({ test, resolve });
      });
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A 1200 purchase from `terminal` (test card; track 2 so that the tests see it never leaves for the journal). */
export function purchase93(terminal: string, stan: number, amount: number): MessageInput {
  return {
    '0': '1200',
    '2': '4111111111111111',
    '3': '000000',
    '4': amount,
    '7': '1130193000',
    '11': stan,
    '12': '261130193000',
    '22': '510101511001',
    '24': '200',
    '32': '123456',
    '35': '4111111111111111=30121010000012345678',
    '41': terminal,
    '42': 'TESTMERCHANT001',
    '49': '840',
  };
}
