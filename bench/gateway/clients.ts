/**
 * Load for the gateway benchmark: POS terminals on their own keep-alive TCP connections (iso87ascii, 2-byte binary
 * length), each keeping `depth` purchases in flight, every answer matched by STAN; or the connector alone with the
 * same number of requests in flight. Latencies in milliseconds.
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { MessageStream, createCodec } from '@iso8583/codec';
import type { MessageInput } from '@iso8583/codec';
import type { Connector } from '@iso8583/connector';
import { LatencyHistogram } from '@iso8583/cli';

const codec = createCodec('iso87ascii');

/** A purchase (test card number). */
export function purchase(terminal: string, stan: number): MessageInput {
  return {
    '0': '0200', '2': '4111111111111111', '3': '000000', '4': 1000, '7': '1121103000', '11': stan, '12': '103000',
    '13': '1121', '14': '3012', '22': '051', '25': '00', '41': terminal, '42': 'BENCHMERCHANT01', '49': '840',
  };
}

/** What a load run measured. */
export interface LoadResult {
  /** Answers received. */
  answers: number;
  /** Answers by response code (39). */
  codes: Record<string, number>;
  /** Seconds of the run. */
  seconds: number;
  /** Latencies in ms (the shared histogram of `@iso8583/cli`). */
  latencies: LatencyHistogram;
}

/** `clients` POS connections to `host:port`, each with `depth` requests in flight, for `ms` milliseconds. */
export async function posLoad(host: string, port: number, clients: number, depth: number, ms: number): Promise<LoadResult> {
  const samples = new LatencyHistogram();
  let answers = 0;
  const codes: Record<string, number> = {};
  const until = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, (_, c) =>
      new Promise<void>((resolve, reject) => {
        const terminal = `B${String(c).padStart(7, '0')}`;
        const socket = connect({ host, port });
        socket.setNoDelay(true);
        const sentAt = new Map<number, number>();
        let stan = 0;
        let open = 0;
        const stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
          frame: (frame) => {
            const answer = stream.decode(frame).message;
            const s = Number(answer['11']);
            const t = sentAt.get(s);
            if (t !== undefined) {
              sentAt.delete(s);
              samples.record(performance.now() - t);
            }
            answers++;
            const rc = String(answer['39']);
            codes[rc] = (codes[rc] ?? 0) + 1;
            open--;
            if (performance.now() < until) send();
            else if (open === 0) stream.end();
          },
        });
        const send = (): void => {
          stan = (stan % 999_999) + 1;
          sentAt.set(stan, performance.now());
          open++;
          stream.send(purchase(terminal, stan));
        };
        socket.on('connect', () => {
          for (let i = 0; i < depth; i++) send();
        });
        socket.on('close', () => resolve());
        socket.on('error', reject);
      }),
    ),
  );
  return { answers, codes, seconds: (performance.now() - start) / 1000, latencies: samples };
}

/** The connector alone: `inFlight` concurrent request loops on one connector, for `ms` milliseconds. */
export async function connectorLoad(connector: Connector, inFlight: number, ms: number): Promise<LoadResult> {
  const samples = new LatencyHistogram();
  let answers = 0;
  const codes: Record<string, number> = {};
  const until = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, c) => {
      const terminal = `C${String(c).padStart(7, '0')}`;
      let stan = 0;
      while (performance.now() < until) {
        stan = (stan % 999_999) + 1;
        const t = performance.now();
        const answer = await connector.request(purchase(terminal, stan));
        samples.record(performance.now() - t);
        answers++;
        const rc = String(answer['39']);
        codes[rc] = (codes[rc] ?? 0) + 1;
      }
    }),
  );
  return { answers, codes, seconds: (performance.now() - start) / 1000, latencies: samples };
}
