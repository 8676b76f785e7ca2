/**
 * Reads of the SAF figures with a large queue whose entries all wait for their timers (a bank down for a while: every
 * entry backing off, nothing due): a metrics scrape, the console's tick and `stats` each read them, and a graceful
 * stop reads `safNextDue` on every `saf` event (a flush of 100,000 entries: 100,000 events). One read here is what
 * those do: `Connector.safNextDue()` and `Connector.stats()` (the reversals pending, the depth). A connector is started
 * on an in-memory journal holding N open entries (read back, their first attempt an hour away: `initialDelay`) towards
 * a port nobody listens on, and reads are timed for this process's CPU (bench/timing.ts) once every entry is queued.
 * The same with every entry ended and its `done` waiting to be tried again (a shared store out of reach: `ends`): the
 * entries, journaled an hour ago, are read back past `expireAfter`, given up at once, and their `done` refused; reads
 * are timed once every end waits (saf-ends.ts).
 *
 * The reference, in the same run: the former read, the same read plus the walk the figures did before they were kept
 * by the queue's transitions (saf-active.ts): the former `nextDue` (every entry, none due) and `reversals` (every
 * entry again), over as many objects of the queue's entries' shape; for `ends`, the walk the ends' figures did before
 * they were kept (saf-ends.ts `unended`, `nextDue`: every end's kind, every end's retry), over as many of their shape.
 * Targets, for each of the two (exit 1 when one is missed): a read at
 * 100,000 entries at least 0.5x as many a second as at 10,000 (a read does not grow with the queue), and at least 10x
 * the former read at 100,000 entries: a stop's flush of 100,000 entries reads on each of its 100,000 events, about
 * 40 s of CPU for the former read on the 2-core test machine, which a tenth brings within a stop's deadline.
 * Run: `npx tsc -b bench && node bench/dist/saf-figures.bench.js`, or `node scripts/bench.mjs saf-figures`.
 * Environment: BENCH_SAF_ENTRIES (10000,100000), BENCH_CPU_MS (CPU ms a figure, 1000).
 */
import { pino } from 'pino';
import { createConnector } from '@iso8583/connector';
import type { JournalEntry, SafStore } from '@iso8583/connector';
import { deadPort } from './dead-port.js';
import { timed, kept } from './timing.js';

const COUNTS = (process.env.BENCH_SAF_ENTRIES ?? '10000,100000').split(',').map(Number);
const CPU_MS = Number(process.env.BENCH_CPU_MS ?? 1000);
const HOUR = 3_600_000;
/** Reads a second at the largest count, at least this share of those at the smallest. */
const FLAT_TARGET = 0.5;
/** Reads a second at 100,000 entries, at least this many times the former read's. */
const WALK_TARGET = 10;

/** Where the entries are when read: `waiting` for their timers (being sent), or their `ends` waiting for their `done`. */
type Scenario = 'waiting' | 'ends';
const SCENARIOS: readonly Scenario[] = ['waiting', 'ends'];

/**
 * A journal in memory holding `n` open entries (reversals and advices, one in two), every call answered at once; for
 * `ends` the entries journaled an hour ago and every `done` refused (a store out of reach).
 */
function memoryJournal(n: number, scenario: Scenario): SafStore {
  const at = Date.now() - (scenario === 'ends' ? HOUR : 0);
  const entries: JournalEntry[] = Array.from({ length: n }, (_, i) => ({
    id: `e${i}`,
    kind: i % 2 === 0 ? 'reversal' : 'advice',
    at,
    reversal: { '0': i % 2 === 0 ? '0420' : '0220', '4': '000000001000', '11': String(i % 1_000_000).padStart(6, '0'), '41': `T${String(Math.floor(i / 1_000_000)).padStart(7, '0')}` },
  }));
  return {
    open: () => Promise.resolve(entries),
    add: () => Promise.resolve(),
    attempt: () => Promise.resolve(),
    done: () => (scenario === 'ends' ? Promise.reject(Object.assign(new Error('out of reach'), { code: 'ISO8583_ERR_CONNECTOR_STORE_UNAVAILABLE' })) : Promise.resolve()),
    close: () => Promise.resolve(),
  };
}

/** What the walk read of an entry: the shape of the queue's entries (saf-entry.ts `Active`). */
interface Walked {
  kind: 'reversal' | 'advice';
  waiting: 'attempt' | 'slot' | undefined;
  due: number;
}

/** The former read: `nextDue`'s walk to the first entry due (none is), then `reversals`' walk of every entry. */
function walkRead(active: Map<string, Walked>): number {
  const now = performance.now();
  let due = Infinity;
  for (const a of active.values()) {
    if (a.waiting === undefined || a.due <= now) return 0;
    due = Math.min(due, a.due);
  }
  let reversals = 0;
  for (const a of active.values()) if (a.kind === 'reversal') reversals += 1;
  return due + reversals;
}

/** What the ends' walk read of an end (saf-ends.ts `waiting`, `pending`). */
interface WalkedEnd {
  kind: 'reversal' | 'advice';
  retry: { due: number } | undefined;
}

/** The ends' former read: `nextDue`'s walk of every end (none under way), then `unended`'s walk of every end again. */
function walkEnds(ends: Map<string, WalkedEnd>): number {
  const now = performance.now();
  let due = Infinity;
  for (const e of ends.values()) due = Math.min(due, e.retry === undefined ? now : e.retry.due);
  let reversals = 0;
  for (const e of ends.values()) if (e.kind === 'reversal') reversals += 1;
  return due + reversals;
}

/** Reads a second with the figures kept, and of the former read (the same and the walk), at `n` entries. */
async function measure(n: number, scenario: Scenario): Promise<{ kept: number; former: number }> {
  const connector = createConnector({
    host: '127.0.0.1',
    port: await deadPort(),
    connectTimeout: 1000,
    saf: { enabled: true, journal: memoryJournal(n, scenario), initialDelay: HOUR, retryInterval: HOUR, ...(scenario === 'ends' ? { expireAfter: 1000 } : {}) },
    logger: pino({ level: 'silent' }),
  });
  connector.on('error', () => undefined);
  let seen = 0;
  let all: () => void = () => undefined;
  const allQueued = new Promise<void>((resolve) => (all = resolve));
  const stage = scenario === 'ends' ? 'waiting' : 'queued';
  connector.on('saf', (e) => {
    if (e.stage === stage && ++seen === n) all();
  });
  await connector.connect().catch(() => undefined);
  await allQueued;
  const due = connector.safNextDue() as number;
  if (!(due > Date.now() + HOUR / 2)) throw new Error(`the entries should wait for their timers, an hour away: safNextDue ${due}`);
  if (connector.stats().reversalsPending !== Math.ceil(n / 2)) throw new Error(`${connector.stats().reversalsPending} reversals pending, not ${Math.ceil(n / 2)}`);
  const read = (): number => (connector.safNextDue() as number) + connector.stats().reversalsPending;
  const t0 = performance.now();
  const active = new Map<string, Walked>();
  const ends = new Map<string, WalkedEnd>();
  for (let i = 0; i < n; i++) {
    const kind = i % 2 === 0 ? 'reversal' : 'advice';
    if (scenario === 'ends') ends.set(`e${i}`, { kind, retry: { due: t0 + HOUR + i } });
    else active.set(`e${i}`, { kind, waiting: 'attempt', due: t0 + HOUR + i });
  }
  const walk = scenario === 'ends' ? (): number => walkEnds(ends) : (): number => walkRead(active);
  const keptRate = timed(read, CPU_MS);
  const formerRate = timed(() => read() + walk(), CPU_MS);
  await connector.destroy();
  return { kept: keptRate, former: formerRate };
}

let missed = 0;
for (const scenario of SCENARIOS) {
  const what = scenario === 'ends' ? 'ends waiting for their done' : 'entries waiting';
  const rates = new Map<number, { kept: number; former: number }>();
  for (const n of COUNTS) {
    const r = await measure(n, scenario);
    rates.set(n, r);
    console.log(`saf figures: ${n} ${what}: ${Math.round(r.kept).toLocaleString('en')} reads/s kept, ${Math.round(r.former).toLocaleString('en')} reads/s the former read with its walk (${(r.kept / r.former).toFixed(0)}x)`);
  }
  const small = Math.min(...COUNTS);
  const large = Math.max(...COUNTS);
  const flat = (rates.get(large)?.kept ?? 0) / (rates.get(small)?.kept ?? 1);
  const flatMet = flat >= FLAT_TARGET;
  if (!flatMet) missed += 1;
  console.log(`saf figures (${scenario}): reads/s at ${large} ${what} ${flat.toFixed(2)}x those at ${small}, target at least ${FLAT_TARGET}x: ${flatMet ? 'met' : 'NOT met'}`);
  const at100k = rates.get(100_000);
  if (at100k === undefined) console.log('saf figures: the target against the former read is at 100000 entries (BENCH_SAF_ENTRIES without it)');
  else {
    const ratio = at100k.kept / at100k.former;
    const met = ratio >= WALK_TARGET;
    if (!met) missed += 1;
    console.log(`saf figures (${scenario}): at 100000 ${what} the kept read ${ratio.toFixed(0)}x the former, target at least ${WALK_TARGET}x: ${met ? 'met' : 'NOT met'}`);
  }
}
console.log(`(${kept()} results kept)`);
if (missed > 0) {
  console.error(`saf figures: ${missed} target(s) NOT met`);
  process.exitCode = 1;
}
