// A minimal framed ISO 8583 client for the tests: real sockets, the codec's MessageStream, replies in arrival order.
import { connect as tcpConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { MessageStream, createCodec } from '@iso8583/codec';
import type { Codec, Frame, FramingOptions, IsoMessage, MessageInput } from '@iso8583/codec';

export interface ClientOptions {
  framing?: FramingOptions;
  dialect?: string;
  tls?: ConnectionOptions;
  /** The local address to connect from (another loopback address, `127.0.0.2`, is another peer). Default: the system's. */
  localAddress?: string;
}

export interface Reply {
  fields: IsoMessage;
  header: Buffer;
  payload: Buffer;
}

export class TestClient {
  readonly codec: Codec;
  readonly closed: Promise<void>;
  readonly stream: MessageStream;
  private readonly frames: Frame[] = [];
  private readonly waiters: Array<{ resolve: (f: Frame) => void; reject: (e: Error) => void }> = [];
  private ended = false;

  private constructor(readonly socket: Socket, readonly options: ClientOptions) {
    this.codec = createCodec(options.dialect ?? 'iso87ascii');
    this.stream = new MessageStream(socket, { framing: options.framing ?? {}, codec: this.codec }, {
      frame: (f) => {
        // The frame shares memory with the read buffer: keep a copy.
        const frame: Frame = { header: Buffer.from(f.header), payload: Buffer.from(f.payload) };
        const waiter = this.waiters.shift();
        if (waiter !== undefined) waiter.resolve(frame);
        else this.frames.push(frame);
      },
      broken: () => this.stream.destroy(),
    });
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w.reject(new Error('connection closed before a reply'));
      resolve();
    }));
  }

  static connect(port: number, options: ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const from = options.localAddress === undefined ? {} : { localAddress: options.localAddress };
      const socket = options.tls === undefined
        ? tcpConnect({ host: '127.0.0.1', port, ...from })
        : tlsConnect({ host: '127.0.0.1', port, ...from, ...options.tls });
      const ready = options.tls === undefined ? 'connect' : 'secureConnect';
      socket.once(ready, () => {
        socket.off('error', reject);
        resolve(new TestClient(socket, options));
      });
      socket.once('error', reject);
    });
  }

  /**
   * Packs, frames and writes a message. Written at once rather than at the end of the tick, so that what a test does
   * with the socket right after (a raw write, `socket.end()`) stays in order behind it.
   */
  send(message: MessageInput, header?: Buffer): void {
    this.stream.send(message, header);
    this.stream.flush();
  }

  /** The framed bytes of a message. */
  frame(message: MessageInput, header?: Buffer): Buffer {
    return this.stream.frameOf(message, header);
  }

  /** Writes raw bytes (a partial frame, garbage) as they are, after anything queued. */
  write(bytes: Buffer): void {
    this.stream.flush();
    this.socket.write(bytes);
  }

  /** The next reply frame, decoded. */
  async reply(): Promise<Reply> {
    const frame = this.frames.shift() ?? (await this.nextFrame());
    return { fields: this.stream.decode(frame).message, header: frame.header, payload: frame.payload };
  }

  /** Sends a message and waits for the next reply. */
  async request(message: MessageInput, header?: Buffer): Promise<Reply> {
    this.send(message, header);
    return this.reply();
  }

  private nextFrame(): Promise<Frame> {
    if (this.ended) return Promise.reject(new Error('connection closed before a reply'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  close(): Promise<void> {
    this.stream.end();
    return this.closed;
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/** A purchase request (0200) with test card data. */
export function purchase(stan: number, overrides: MessageInput = {}): MessageInput {
  return {
    0: '0200',
    2: '4111111111111111',
    3: '000000',
    4: '000000001000',
    7: '1121103000',
    11: String(stan).padStart(6, '0'),
    41: 'TERM0001',
    49: '840',
    ...overrides,
  };
}

/** A 2-byte binary length header announcing 65535 bytes (over a `maxFrameSize` of 4096): broken framing. */
export const BAD_LENGTH = Buffer.from([0xff, 0xff, 0x30, 0x32]);

/** A frame (2-byte binary length) whose MTI reads but whose bitmap is not hex: answered 30 (format error). */
export function badFrame(): Buffer {
  const body = Buffer.from('0200GGGGGGGGGGGGGGGG', 'latin1');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length);
  return Buffer.concat([length, body]);
}
