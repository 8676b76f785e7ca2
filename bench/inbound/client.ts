// The load client of the inbound benchmark, run in its own process: `connections` sockets, `depth` requests in flight
// on each, pre-encoded 0200 frames (distinct STANs), replies cut by the codec's MessageStream and not decoded.
// Latency per request (replies come back in order here: the benchmark's sequences answer at once).
// Usage: node client.js PORT CONNECTIONS DEPTH TOTAL; prints one JSON line: { rate, p50, p99, replies }.
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { MessageStream, createCodec, encodeFrame } from '@iso8583/codec';
import { LatencyHistogram } from '@iso8583/cli';

const [port, connections, depth, total] = process.argv.slice(2).map(Number) as [number, number, number, number];
const codec = createCodec('iso87ascii');
const framing = { lengthHeader: 'binary2' } as const;

const frames = Array.from({ length: 1000 }, (_, i) =>
  encodeFrame(codec.pack({
    0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1121103000',
    11: String(i + 1).padStart(6, '0'), 12: '103000', 13: '1121', 22: '051', 25: '00',
    35: '4111111111111111=29122010000000000000', 41: 'TERM0001', 42: 'MERCHANT0000001', 49: '840',
  }), framing),
);

const perConnection = Math.floor(total / connections);
const latencies = new LatencyHistogram();
const t0 = performance.now();
await Promise.all(Array.from({ length: connections }, (_, c) => new Promise<void>((resolve, reject) => {
  const socket = connect(port, '127.0.0.1', () => {
    socket.setNoDelay(true);
    const sentAt: number[] = [];
    let head = 0;
    let sent = 0;
    let received = 0;
    const stream = new MessageStream(socket, { framing }, {
      frame: () => {
        latencies.record(performance.now() - sentAt[head++]!);
        received++;
        if (sent < perConnection) send();
        if (head > 4096) {
          sentAt.splice(0, head);
          head = 0;
        }
        if (received === perConnection) {
          stream.destroy();
          resolve();
        }
      },
    });
    const send = (): void => {
      sentAt.push(performance.now());
      stream.write(frames[(c * 7 + sent++) % frames.length]!);
    };
    for (let i = 0; i < depth && sent < perConnection; i++) send();
  });
  socket.on('error', reject);
})));
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(`${JSON.stringify({ rate: latencies.count / seconds, p50: latencies.quantile(0.5), p99: latencies.quantile(0.99), replies: latencies.count })}\n`);
