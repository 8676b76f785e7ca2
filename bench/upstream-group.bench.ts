// What an UpstreamGroup adds to a request: one upstream, the same responding host (bench/connector/peer.ts, patch mode,
// its own process), a plain connector and a group over a second, identical connector, measured in alternating rounds
// of the same run with 64 requests in flight (the order swapped every round, so neither side always runs after the
// other's garbage). Usage: node bench/dist/upstream-group.bench.js [requests per round] (default 15000; 21 rounds each,
// medians printed). Two figures per side: requests a second, and this process's CPU per request (user + system),
// which is what the group adds and does not move with what else the machine runs. Target: the group at least 0.95x the
// plain connector by CPU per request (exit 1 when missed); the wall-clock ratio is printed beside it.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector, createUpstreamGroup } from '@iso8583/connector';

const perRound = Number(process.argv[2] ?? 15_000);
const ROUNDS = 21;
const DEPTH = 64;

function purchase(stan: number): IsoMessage {
  return {
    '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '7': '1121103000',
    '11': String(stan % 1_000_000).padStart(6, '0'), '12': '103000', '13': '1121', '22': '051', '25': '00',
    '35': '4111111111111111=29122010000000000000', '41': `T${String(Math.floor(stan / 1_000_000)).padStart(7, '0')}`, '42': 'MERCHANT0000001', '49': '840',
  };
}

interface Round {
  /** Requests a second. */
  rate: number;
  /** This process's CPU (user + system) per request, microseconds. */
  cpu: number;
}

/** One round through `send`, `DEPTH` in flight. */
async function round(send: (m: IsoMessage) => Promise<IsoMessage>, base: number): Promise<Round> {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: DEPTH }, async () => {
      while (next < perRound) {
        const i = next++;
        await send(purchase(base + i));
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { rate: perRound / seconds, cpu: (cpu.user + cpu.system) / perRound };
}

const child = fork(fileURLToPath(new URL('./connector/peer.js', import.meta.url)), ['patch'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const port = await new Promise<number>((resolve) => child.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
const plain = createConnector({ name: 'plain', host: '127.0.0.1', port, maxInFlight: 10_000 });
const group = createUpstreamGroup({ upstreams: [{ name: 'only', host: '127.0.0.1', port, maxInFlight: 10_000 }], maxOriginals: Number(process.env.MAX_ORIGINALS ?? 100_000) });
await plain.connect();
await group.connect();
await round((m) => plain.request(m), 0);
await round((m) => group.request(m), 0);
const rounds: { plain: Round[]; group: Round[] } = { plain: [], group: [] };
for (let r = 0; r < ROUNDS; r++) {
  const plainFirst = r % 2 === 0;
  const base = (2 * r + 1) * 1_000_000;
  if (plainFirst) rounds.plain.push(await round((m) => plain.request(m), base));
  rounds.group.push(await round((m) => group.request(m), base + 1_000_000));
  if (!plainFirst) rounds.plain.push(await round((m) => plain.request(m), base));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const show = (rs: Round[]): string =>
  `${Math.round(median(rs.map((x) => x.rate)))} req/s, CPU ${median(rs.map((x) => x.cpu)).toFixed(1)} us/req (rounds: ${rs.map((x) => Math.round(x.rate / 1000)).join('/')}k/s)`;
console.log(`plain connector:               ${show(rounds.plain)}`);
console.log(`upstream group (one upstream): ${show(rounds.group)}`);
const wall = median(rounds.group.map((x) => x.rate)) / median(rounds.plain.map((x) => x.rate));
const ratio = median(rounds.plain.map((x) => x.cpu)) / median(rounds.group.map((x) => x.cpu));
// "No measurable cost": within the round-to-round noise of this loopback run, taken as 5%.
const TARGET = 0.95;
const met = ratio >= TARGET;
console.log(`upstream group vs plain, by CPU per request: ${ratio.toFixed(2)}x (target >= ${TARGET}x) ${met ? 'met' : 'NOT met'}; by wall clock ${wall.toFixed(2)}x`);
await plain.close();
await group.close();
child.kill();
if (!met) process.exitCode = 1;
