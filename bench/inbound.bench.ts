// Inbound endpoint requests per second, the endpoint in this process and the load client in another (this 2-core
// machine: one core each), compared in the same run with a bare framed echo server (the limit of the sockets and the
// framing). Scenarios: a trivial sequence on the message object; the same sequence reading the XML view; a WSO2-style
// sequence editing the XML and returning XML; the host simulator. The scenarios run in turn, `rounds` times over (the
// machine is shared: interleaving spreads its noise over all of them), and the median round of each is reported with
// its p50/p99 latency and the heap (after GC) before and after. The XML-in-and-out scenario is compared with the
// object view (the target: at least 0.6x), printed with `met` / `NOT met`; the exit code is 1 when it is not met.
// Usage: node bench/dist/inbound.bench.js [requests per scenario and round, default 100000] [rounds, default 3]
//        [connections, default 8] [depth, default 16]
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { MessageStream, encodeFrame } from '@iso8583/codec';
import type { MessageInput } from '@iso8583/codec';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { Sequence } from '@iso8583/inbound';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const total = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const connections = Number(process.argv[4] ?? 8);
const depth = Number(process.argv[5] ?? 16);

interface ClientResult {
  rate: number;
  p50: number;
  p99: number;
  replies: number;
}

function heapMb(): number {
  gc();
  return Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10;
}

function runClient(port: number, requests: number): Promise<ClientResult> {
  const script = fileURLToPath(new URL('./inbound/client.js', import.meta.url));
  const child = spawn(process.execPath, [script, String(port), String(connections), String(depth), String(requests)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`client exited with ${code}`));
      else resolve(JSON.parse(out) as ClientResult);
    });
  });
}

/** The limit: a framed echo server that writes every frame back as it came, no decoding. */
function bareEcho(): Promise<Server> {
  const framing = { lengthHeader: 'binary2' } as const;
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    const stream: MessageStream = new MessageStream(socket, { framing }, { frame: (f) => stream.write(encodeFrame(f.payload, framing)) });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const objectView: Sequence = (m) => {
  const reply: MessageInput = { ...m.fields, 0: '0210', 38: '123456', 39: '00' };
  delete reply['35'];
  return reply;
};
let xmlChars = 0;
const readsXml: Sequence = (m) => {
  xmlChars += m.xml.length;
  return objectView(m, undefined as never);
};
const xmlInOut: Sequence = (m) =>
  m.xml
    .replace('<field id="0">0200</field>', '<field id="0">0210</field>')
    .replace(/<field id="35">[^<]*<\/field>\s*/, '')
    .replace('</data>', '<field id="39">00</field></data>');

interface Row {
  name: string;
  result: ClientResult;
  heap: number[];
  /** CPU time of this process (the endpoint or the echo server) per request, in microseconds. */
  cpu: number;
}

async function endpointRun(name: string, sequence: Sequence, requests: number): Promise<Row> {
  const endpoint = createInboundEndpoint({ port: 0, sequence });
  const { port } = await endpoint.start();
  const heap = [heapMb()];
  const before = process.cpuUsage();
  const result = await runClient(port, requests);
  const used = process.cpuUsage(before);
  heap.push(heapMb());
  const stats = endpoint.stats();
  await endpoint.close();
  if (stats.replies !== result.replies) throw new Error(`${name}: ${stats.replies} replies for ${result.replies} requests`);
  return { name, result, heap, cpu: (used.user + used.system) / requests };
}

async function echoRun(requests: number): Promise<Row> {
  const echo = await bareEcho();
  const heap = [heapMb()];
  const before = process.cpuUsage();
  const result = await runClient((echo.address() as AddressInfo).port, requests);
  const used = process.cpuUsage(before);
  heap.push(heapMb());
  echo.close();
  return { name: 'bare framed echo server (limit)', result, heap, cpu: (used.user + used.system) / requests };
}

const host = createHostSimulator({ defaultBalance: 999_999_999_999 });
const scenarios: Array<{ name: string; run: () => Promise<Row> }> = [
  { name: 'bare framed echo server (limit)', run: () => echoRun(total) },
  { name: 'endpoint, trivial sequence (object view)', run: () => endpointRun('endpoint, trivial sequence (object view)', objectView, total) },
  { name: 'endpoint, sequence reads the XML view', run: () => endpointRun('endpoint, sequence reads the XML view', readsXml, total) },
  // As many requests as the object view: a shorter run would weigh start-up and JIT warm-up more, and bend the ratio.
  { name: 'endpoint, XML in and XML out (WSO2 style)', run: () => endpointRun('endpoint, XML in and XML out (WSO2 style)', xmlInOut, total) },
  { name: 'endpoint, host simulator', run: () => endpointRun('endpoint, host simulator', host, total) },
];
const runs = new Map<string, Row[]>(scenarios.map((s) => [s.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const s of scenarios) runs.get(s.name)!.push(await s.run());
}
const median = (rows: Row[]): Row => [...rows].sort((a, b) => a.result.rate - b.result.rate)[Math.floor(rows.length / 2)]!;
const medians = scenarios.map((s) => median(runs.get(s.name)!));
const limit = medians[0]!.result.rate;
console.log(`inbound endpoint: ${total} requests per scenario, median of ${rounds} interleaved rounds, ${connections} connections x ${depth} in flight, client in another process, node ${process.version}`);
for (const r of medians) {
  const all = runs.get(r.name)!.map((x) => Math.round(x.result.rate / 1000)).join('/');
  console.log(
    `${r.name.padEnd(44)} ${Math.round(r.result.rate).toLocaleString('en-US').padStart(9)} /s  ${(r.result.rate / limit).toFixed(2)}x echo   p50 ${r.result.p50.toFixed(2)} ms   p99 ${r.result.p99.toFixed(2)} ms   CPU ${r.cpu.toFixed(1)} us/req   heap MB ${r.heap.join(' -> ')}   rounds k/s ${all}`,
  );
}
if (xmlChars === 0) throw new Error('the XML view was never read');
const rateOf = (name: string): number => medians.find((r) => r.name === name)!.result.rate;
const xmlRatio = rateOf('endpoint, XML in and XML out (WSO2 style)') / rateOf('endpoint, trivial sequence (object view)');
const met = xmlRatio >= 0.6;
console.log(`\n${'XML in and out / object view'.padEnd(44)} ${`${xmlRatio.toFixed(2)}x`.padStart(9)}   target >= 0.60x ${met ? 'met' : 'NOT met'}`);
// CPU per request moves far less with the machine's load than the rate does: the same ratio by CPU, for the reader.
const cpuOf = (name: string): number => medians.find((r) => r.name === name)!.cpu;
console.log(`${'  (by endpoint CPU per request: object / XML)'.padEnd(44)} ${`${(cpuOf('endpoint, trivial sequence (object view)') / cpuOf('endpoint, XML in and XML out (WSO2 style)')).toFixed(2)}x`.padStart(9)}`);
if (!met) process.exitCode = 1;
