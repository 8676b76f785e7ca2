// Same-process A/B of the codec's unpack: builds of two or more worktrees (each built with `npm run build`) unpack the
// purchase of bench/codec.bench.ts (with and without 130 characters of field 55, iso87ascii) and read every field of
// the result, interleaved with the minimal non-validating codec of bench/, in one process. Prints each build's
// nanoseconds per message (CPU time, the median of the rounds) and its ratio to the minimal codec of the same rounds.
// Differences of a few percent between two builds of the same code are usual on a shared machine: compare a change
// with its base in the same run, and run twice.
//
// Usage: node scripts/unpack-ab.mjs ROOT_A [ROOT_B ...]   (ROUNDS=13 and N=200000 calls a round by default)
// The first root also gives the minimal codec and the purchase (its bench/dist).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const roots = process.argv.slice(2).map((r) => resolve(r));
if (roots.length === 0) {
  console.error('usage: node scripts/unpack-ab.mjs ROOT_A [ROOT_B ...]');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 13);
const N = Number(process.env.N ?? 200000);

const load = (root, path) => import(pathToFileURL(`${root}/${path}`).href);
const { MinimalCodec } = await load(roots[0], 'bench/dist/minimal-codec.js');
const { PURCHASE } = await load(roots[0], 'bench/dist/timing.js');
const { EMV_130, readEvery } = await load(roots[0], 'bench/dist/codec-cases.js');

/** The first 130 characters of the bench's EMV data: 65 bytes of TLV as hex. */
const messages = { f55: { ...PURCHASE, 55: EMV_130.slice(0, 130) }, no55: PURCHASE };

const codecs = [];
for (const root of roots) {
  const { createCodec } = await load(root, 'packages/codec/dist/src/index.js');
  codecs.push({ name: root.split('/').pop(), codec: createCodec('iso87ascii') });
}
const minimal = new MinimalCodec(codecs[0].codec.dialect);

let sink = 0;

const cases = [];
for (const [name, message] of Object.entries(messages)) {
  const keys = Object.keys(message);
  const bytes = codecs[0].codec.pack(message);
  for (const c of codecs) cases.push({ message: name, name: c.name, fn: () => readEvery(c.codec.unpack(bytes), keys), ns: [] });
  cases.push({ message: name, name: 'minimal', fn: () => readEvery(minimal.unpack(bytes), keys), ns: [] });
}
for (const c of cases) for (let i = 0; i < 20000; i++) sink += c.fn();
for (let r = 0; r < ROUNDS; r++) {
  for (const c of cases) {
    const start = process.cpuUsage();
    for (let i = 0; i < N; i++) sink += c.fn();
    const used = process.cpuUsage(start);
    c.ns.push(((used.user + used.system) * 1000) / N);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const name of Object.keys(messages)) {
  const row = cases.filter((c) => c.message === name);
  const reference = median(row[row.length - 1].ns);
  const cells = row.map((c) => `${c.name} ${median(c.ns).toFixed(0)} ns (${(reference / median(c.ns)).toFixed(2)}x)`);
  console.log(`${name.padEnd(5)} ${cells.join('  ')}`);
}
if (sink === 0) console.log('nothing read');
