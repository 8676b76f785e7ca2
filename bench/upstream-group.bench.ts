// What an UpstreamGroup adds to a request: one upstream, the same responding host (bench/connector/peer.ts, patch mode,
// its own process), a plain connector and a group over a second, identical connector, measured in alternating rounds
// of the same run with 64 requests in flight. Usage: node bench/dist/upstream-group.bench.js [requests per round]
// (default 50000; 5 rounds each, the median printed). Target: the group at least 0.95x the plain connector (exit 1 when
// missed).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector, createUpstreamGroup } from '@iso8583/connector';

const perRound = Number(process.argv[2] ?? 50_000);
const ROUNDS = 5;
const DEPTH = 64;

function purchase(stan: number): IsoMessage {
  return {
    '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '7': '1121103000',
    '11': String(stan % 1_000_000).padStart(6, '0'), '12': '103000', '13': '1121', '22': '051', '25': '00',
    '35': '4111111111111111=29122010000000000000', '41': `T${String(Math.floor(stan / 1_000_000)).padStart(7, '0')}`, '42': 'MERCHANT0000001', '49': '840',
  };
}

/** Requests per second through `send`, `DEPTH` in flight. */
async function round(send: (m: IsoMessage) => Promise<IsoMessage>, base: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: DEPTH }, async () => {
      while (next < perRound) {
        const i = next++;
        await send(purchase(base + i));
      }
    }),
  );
  return perRound / ((performance.now() - t0) / 1000);
}

const child = fork(fileURLToPath(new URL('./connector/peer.js', import.meta.url)), ['patch'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const port = await new Promise<number>((resolve) => child.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
const plain = createConnector({ name: 'plain', host: '127.0.0.1', port, maxInFlight: 10_000 });
const group = createUpstreamGroup({ upstreams: [{ name: 'only', host: '127.0.0.1', port, maxInFlight: 10_000 }], maxOriginals: Number(process.env.MAX_ORIGINALS ?? 100_000) });
await plain.connect();
await group.connect();
await round((m) => plain.request(m), 0);
await round((m) => group.request(m), 0);
const rates: { plain: number[]; group: number[] } = { plain: [], group: [] };
for (let r = 0; r < ROUNDS; r++) {
  rates.plain.push(await round((m) => plain.request(m), (2 * r + 1) * 1_000_000));
  rates.group.push(await round((m) => group.request(m), (2 * r + 2) * 1_000_000));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const p = median(rates.plain);
const g = median(rates.group);
console.log(`plain connector: ${Math.round(p)} req/s`);
const ratio = g / p;
// "No measurable cost": within the round-to-round noise of this loopback run, taken as 5%.
const TARGET = 0.95;
const met = ratio >= TARGET;
console.log(`upstream group (one upstream): ${Math.round(g)} req/s: ${ratio.toFixed(2)}x plain (target >= ${TARGET}x) ${met ? 'met' : 'NOT met'}`);
await plain.close();
await group.close();
child.kill();
if (!met) process.exitCode = 1;
