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
import { pacedWatch } from './paced-watch.js';

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

/** Milliseconds between two sends of the open-loop load (`BENCH_TICK_MS`, default 5). */
export const TICK_MS = Number(process.env.BENCH_TICK_MS ?? 5);

/**
 * An open-loop load: `clients` POS connections sending `rate` purchases a second in all, evenly spread (a tick every
 * `tickMs` ms, default {@link TICK_MS}, sends what is due, round robin over the connections), for `ms` milliseconds;
 * then waits for the last answers. Latency is from the send, so a gateway that falls behind shows it (a closed loop
 * would hide it by sending less). What a tick sends arrives together: at 6,000 a second a 5 ms tick is a burst of 30,
 * whose last waits for the gateway's work on the 29 before it.
 */
export async function pacedPosLoad(host: string, port: number, clients: number, rate: number, ms: number, tickMs = TICK_MS): Promise<LoadResult> {
  const samples = new LatencyHistogram();
  let answers = 0;
  let sent = 0;
  const codes: Record<string, number> = {};
  const streams: { stream: MessageStream; terminal: string; stan: number; sentAt: Map<number, number> }[] = [];
  const watch = pacedWatch(`${host}:${port} at ${rate}/s`);
  let finish: () => void = () => undefined;
  const allAnswered = new Promise<void>((resolve) => (finish = resolve));
  let sending = true;
  await Promise.all(
    Array.from({ length: clients }, (_, c) =>
      new Promise<void>((resolve, reject) => {
        const socket = connect({ host, port });
        socket.setNoDelay(true);
        const entry = { stream: undefined as unknown as MessageStream, terminal: `P${String(c).padStart(7, '0')}`, stan: 0, sentAt: new Map<number, number>() };
        entry.stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
          frame: (frame) => {
            const answer = entry.stream.decode(frame).message;
            const s = Number(answer['11']);
            const t = entry.sentAt.get(s);
            if (t !== undefined) {
              entry.sentAt.delete(s);
              const ms = performance.now() - t;
              samples.record(ms);
              watch.answered(ms, s === 1);
            }
            answers++;
            const rc = String(answer['39']);
            codes[rc] = (codes[rc] ?? 0) + 1;
            if (!sending && answers === sent) finish();
          },
        });
        streams.push(entry);
        socket.once('connect', () => resolve());
        socket.on('error', reject);
      }),
    ),
  );
  const start = performance.now();
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      if (now - start >= ms) {
        clearInterval(tick);
        resolve();
        return;
      }
      const due = Math.floor(((now - start) / 1000) * rate) - sent;
      watch.tick(due);
      for (let i = 0; i < due; i++) {
        const e = streams[next] as (typeof streams)[number];
        next = (next + 1) % streams.length;
        e.stan = (e.stan % 999_999) + 1;
        e.sentAt.set(e.stan, performance.now());
        sent++;
        e.stream.send(purchase(e.terminal, e.stan));
      }
    }, tickMs);
  });
  sending = false;
  const seconds = (performance.now() - start) / 1000;
  if (answers < sent) await allAnswered;
  watch.stop();
  for (const e of streams) e.stream.end();
  return { answers, codes, seconds, latencies: samples };
}

/** One POS connection sending one purchase at a time (gateway/instructions.ts): each waits for the last's answer. */
export interface SerialPos {
  /** Sends `count` purchases, one after another; resolves with the answers by response code (39). */
  run(count: number): Promise<Record<string, number>>;
  /** Closes the connection. */
  end(): void;
}

/** Opens a {@link SerialPos} to `host:port` (one `terminal`, default S0000001; STANs counting up over every run). */
export async function serialPos(host: string, port: number, terminal = 'S0000001'): Promise<SerialPos> {
  const socket = connect({ host, port });
  socket.setNoDelay(true);
  let stan = 0;
  let answered: (answer: Record<string, unknown>) => void = () => undefined;
  const stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
    frame: (frame) => answered(stream.decode(frame).message),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const one = (): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      stan = (stan % 999_999) + 1;
      const sent = stan;
      const closed = (): void => reject(new Error(`the connection closed before the answer to STAN ${sent}`));
      socket.once('close', closed);
      answered = (answer) => {
        socket.off('close', closed);
        if (Number(answer['11']) !== sent) reject(new Error(`STAN ${String(answer['11'])} answered where ${sent} was awaited`));
        else resolve(answer);
      };
      stream.send(purchase(terminal, sent));
    });
  return {
    async run(count) {
      const codes: Record<string, number> = {};
      for (let i = 0; i < count; i++) {
        const rc = String((await one())['39']);
        codes[rc] = (codes[rc] ?? 0) + 1;
      }
      return codes;
    },
    end: () => stream.end(),
  };
}
