/**
 * Summary of a `.cpuprofile` (node `--cpu-prof`; `BENCH_CPU_PROF=DIR` runs the gateway benchmark's gateways with it):
 * self time by function and by file, and inclusive time by file and by function (a sample counts once for every file
 * or function on its stack), as shares of the busy time (idle samples left out: a gateway waits between phases). What
 * docs/operations.md's performance section reads its figures from. First, self time by category (what it is spent on:
 * socket writes, garbage collection, decoding, the transaction log, ...; gateway/profile-categories.ts).
 *
 * Run: `node bench/dist/gateway/profile.js FILE.cpuprofile [TOP]` (TOP lines per table, default 30).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { categoryOf } from './profile-categories.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A file's short name: the part after `node_modules/` or the repository's `packages/`, else the URL as it is. */
function shortFile(url: string): string {
  if (url === '') return '(native)';
  const m = /(?:node_modules\/|packages\/)(.*)$/.exec(url);
  return m === null ? url.replace(/^file:\/\//, '') : (m[1] as string);
}

/** Self and inclusive microseconds by function and file. */
export function summarize(profile: Profile): {
  total: number;
  selfFn: Map<string, number>;
  selfFile: Map<string, number>;
  inclusiveFile: Map<string, number>;
  inclusiveFn: Map<string, number>;
  /** Self time by what it is spent on (profile-categories.ts). */
  byCategory: Map<string, number>;
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfFn = new Map<string, number>();
  const selfFile = new Map<string, number>();
  const inclusiveFile = new Map<string, number>();
  const inclusiveFn = new Map<string, number>();
  const byCategory = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number): void => {
    m.set(k, (m.get(k) ?? 0) + v);
  };
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (node === undefined || node.callFrame.functionName === '(idle)') continue;
    total += dt;
    const f = node.callFrame;
    const file = shortFile(f.url);
    add(selfFn, `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`, dt);
    add(selfFile, file, dt);
    const stack: ProfileNode['callFrame'][] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame !== undefined) stack.push(frame);
    }
    add(byCategory, categoryOf(stack), dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined || frame.url === '') continue;
      const name = shortFile(frame.url);
      const fn = `${frame.functionName || '(anonymous)'} ${name}:${frame.lineNumber + 1}`;
      if (!seen.has(name)) {
        seen.add(name);
        add(inclusiveFile, name, dt);
      }
      if (!seen.has(fn)) {
        seen.add(fn);
        add(inclusiveFn, fn, dt);
      }
    }
  }
  return { total, selfFn, selfFile, inclusiveFile, inclusiveFn, byCategory };
}

function table(title: string, m: Map<string, number>, total: number, top: number): void {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((v / total) * 100).toFixed(1).padStart(6)}%  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: node bench/dist/gateway/profile.js FILE.cpuprofile [TOP]');
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? 30);
  const s = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  console.log(`${file}: ${(s.total / 1e6).toFixed(2)} s busy (idle left out)`);
  table('self time by category (profile-categories.ts; socket writes include time off the CPU inside write)', s.byCategory, s.total, top);
  table('self time by function', s.selfFn, s.total, top);
  table('self time by file', s.selfFile, s.total, top);
  table('inclusive time by file (once per stack)', s.inclusiveFile, s.total, top);
  table('inclusive time by function (once per stack)', s.inclusiveFn, s.total, top);
}
