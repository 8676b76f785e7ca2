/**
 * A binary POS terminal for the end-to-end tests: one keep-alive TCP connection, ISO 8583 (iso87ascii) in 2-byte
 * binary length frames, several requests in flight. Each answer is matched to its request by STAN (11) + terminal
 * (41); an answer that matches nothing sent on this connection is kept in `strays` (a routing bug).
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { MessageStream, createCodec, encodeFrame } from '@iso8583/codec';
import type { FramingOptions, IsoMessage, MessageInput } from '@iso8583/codec';

const codec = createCodec('iso87ascii');
const FRAMING: FramingOptions = { lengthHeader: 'binary2' };

/** One POS connection. */
export class PosClient {
  /** Answers that matched no request of this connection. */
  readonly strays: IsoMessage[] = [];
  private readonly pending = new Map<string, { resolve: (m: IsoMessage) => void; reject: (e: Error) => void }>();
  private readonly stream: MessageStream;
  private closedError: Error | undefined;

  private constructor(socket: Socket) {
    const fail = (reason: string): void => {
      this.closedError ??= new Error(reason);
      for (const w of this.pending.values()) w.reject(this.closedError);
      this.pending.clear();
    };
    this.stream = new MessageStream(socket, { framing: FRAMING, codec }, {
      frame: (frame) => {
        const message = this.stream.decode(frame).message;
        const key = `${String(message['11'])}/${String(message['41'])}`;
        const waiter = this.pending.get(key);
        if (waiter === undefined) this.strays.push(message);
        else {
          this.pending.delete(key);
          waiter.resolve(message);
        }
      },
      broken: (err) => {
        fail(`broken framing from the gateway (${err.code})`);
        this.stream.destroy();
      },
      closed: (err) => fail(err === undefined
        ? 'connection closed by the gateway'
        : `connection error ${(err as { code?: string }).code ?? ''}`),
    });
  }

  /** Opens a connection. */
  static open(host: string, port: number): Promise<PosClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new PosClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Opens a TLS connection trusting `ca` (PEM). */
  static openTls(host: string, port: number, ca: string): Promise<PosClient> {
    return new Promise((resolve, reject) => {
      const socket = connectTls({ host, port, ca, servername: 'localhost' }, () => {
        socket.off('error', reject);
        resolve(new PosClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /**
   * Sends a request and resolves with its answer; rejects if the connection closes first, or naming the terminal and
   * STAN when no answer came within `limitMs` (default 60000).
   */
  request(message: MessageInput, limitMs = 60_000): Promise<IsoMessage> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    const packed = codec.pack(message);
    const sent = codec.unpack(packed);
    const key = `${String(sent['11'])}/${String(sent['41'])}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new Error(`no answer to ${String(sent['0'])} STAN/terminal ${key} within ${limitMs} ms`));
      }, limitMs);
      const settle = <T>(fn: (v: T) => void) => (v: T): void => {
        clearTimeout(timer);
        fn(v);
      };
      this.pending.set(key, { resolve: settle(resolve), reject: settle(reject) });
      this.stream.write(encodeFrame(packed, FRAMING));
    });
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      const socket = this.stream.stream;
      if (socket.destroyed) resolve();
      else {
        socket.once('close', () => resolve());
        this.stream.end();
      }
    });
  }
}

/** A purchase (0200) from `terminal` with `stan` for `amount` minor units (test card numbers only). */
export function purchase(terminal: string, stan: number, amount: number, pan = '4111111111111111'): MessageInput {
  return {
    '0': '0200',
    '2': pan,
    '3': '000000',
    '4': amount,
    '7': '1121103000',
    '11': stan,
    '12': '103000',
    '13': '1121',
    '14': '3012',
    '22': '051',
    '25': '00',
    // Track 2 equivalent data (test card): must never reach a log line.
    '35': `${pan}=30121010000012345678`,
    '41': terminal,
    '42': 'TESTMERCHANT001',
    '49': '840',
  };
}
