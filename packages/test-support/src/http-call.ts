/**
 * One HTTP request with its headers sent as given (`Host`, `Origin` and `Sec-Fetch-Site` included, which `fetch`
 * would set or refuse): what a browser on another site, or a DNS-rebinding page, sends.
 */
import { request as httpRequest } from 'node:http';
import type { ClientRequest } from 'node:http';

/** The status and body text of an answer. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * Sends `method path` to 127.0.0.1:`port` with `headers` (and `body`: text as UTF-8, or bytes as they are, as for a
 * body in another charset), on a connection of its own.
 */
export function httpCall(port: number, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { connection: 'close', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A POST of `path` to 127.0.0.1:`port` that announces a `length`-byte body (`content-length`) and sends none of it:
 * a server refusing a body over its limit answers from the announced length alone (413), and the test reads that
 * answer. Sending the body raced the server closing the connection after its early answer: the write could fail
 * (EPIPE) before the answer was read.
 */
export function announcedTooLarge(port: number, path: string, length: number, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/json', ...headers, 'content-length': String(length) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

/**
 * The answer to `req`, a request the test made itself (with `node:http`'s `request`) and ends or writes as it needs:
 * resolves with its status (0 when none) and its whole body text once the answer ended; rejects if it fails while read.
 */
export function answerOf(req: ClientRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
  });
}
