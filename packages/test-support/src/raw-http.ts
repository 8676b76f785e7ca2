/**
 * HTTP/1.1 written by hand on a raw TCP connection: what `fetch` cannot do, such as a request whose head has arrived
 * and whose body never comes (a stalled client), or a keep-alive connection left idle between requests.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** A raw client connection: what it has read so far, and a promise of its close. */
export interface RawHttp {
  socket: Socket;
  /** Everything read so far (latin1). */
  text(): string;
  /** Settles once the connection has closed. */
  closed: Promise<void>;
}

/** Opens a {@link RawHttp} connection to `host`:`port`, from `localAddress` (another loopback address is another peer) if given. */
export function rawHttp(port: number, host = '127.0.0.1', localAddress?: string): RawHttp {
  const socket = connect({ port, host, ...(localAddress === undefined ? {} : { localAddress }) });
  let text = '';
  socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, text: () => text, closed };
}

/**
 * Resolves once `conn` has read `pattern`; rejects, with what it read, if it closes first. A pattern is matched against
 * everything read so far at every read; a string is looked for in each read (with the end of the one before, for a
 * string cut across two), so that waiting for the end of a long answer stream (thousands of pipelined answers) costs
 * its length once, not once per read.
 */
export function readUntil(conn: RawHttp, pattern: RegExp | string): Promise<void> {
  let tail: string | undefined;
  const found = (chunk: string | undefined): boolean => {
    if (typeof pattern !== 'string') return pattern.test(conn.text());
    const seen = tail === undefined || chunk === undefined ? conn.text() : tail + chunk;
    tail = seen.slice(Math.max(0, seen.length - pattern.length + 1));
    return seen.includes(pattern);
  };
  return new Promise((resolve, reject) => {
    const look = (chunk?: string): void => {
      if (found(chunk)) {
        conn.socket.off('data', look);
        resolve();
      }
    };
    conn.socket.on('data', look);
    void conn.closed.then(() => reject(new Error(`closed before ${String(pattern)}: ${JSON.stringify(conn.text())}`)));
    look();
  });
}

/**
 * A connection whose `POST /` head, announcing a JSON body of `length` bytes, has arrived (the server's
 * `100 Continue` says so) and whose body is not sent: the server holds a request in progress until the test writes it.
 */
export async function midRequest(port: number, length: number, host = '127.0.0.1'): Promise<RawHttp> {
  const conn = rawHttp(port, host);
  conn.socket.write(`POST / HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`);
  await readUntil(conn, /^HTTP\/1\.1 100 Continue/);
  return conn;
}
