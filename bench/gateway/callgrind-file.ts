/**
 * A callgrind output file read for what the gateway benchmarks need (gateway/instructions.ts,
 * gateway/instructions-profile.ts): the file's total, each function's self cost, and the inclusive cost of the calls
 * into the functions a pattern names (from callers it does not name: a call inside them is counted once, at the
 * outside). Callgrind's default format: compressed names (`fn=(12) name`, later `fn=(12)`), compressed positions,
 * one event (instructions).
 */
import { readFileSync } from 'node:fs';

/** What {@link readCallgrind} found in a file. */
export interface CallgrindFile {
  /** Every cost of the file (its self costs summed). */
  total: number;
  /** Self cost by function name. */
  self: Map<string, number>;
  /** The inclusive cost of the calls into the functions `pattern` names, made by functions it does not name. */
  callsInto(pattern: RegExp): number;
}

/** Reads a callgrind output file (see the module comment). */
export function readCallgrind(file: string): CallgrindFile {
  const names = new Map<string, string>();
  const selfById = new Map<string, number>();
  /** Each call's caller id, callee id and inclusive cost. */
  const calls: [string, string, number][] = [];
  let fn = '';
  let cfn = '';
  let call = false;
  let total = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const c = line.charCodeAt(0);
    // A cost line: a position (a number, or relative: +n, -n, *) and the cost.
    if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 42) {
      const cost = Number(line.split(' ')[1] ?? 0);
      if (call) {
        call = false;
        calls.push([fn, cfn, cost]);
      } else {
        selfById.set(fn, (selfById.get(fn) ?? 0) + cost);
        total += cost;
      }
      continue;
    }
    if (line.startsWith('calls=')) {
      call = true;
      continue;
    }
    const m = /^(c?fn)=\((\d+)\)(?: (.*))?$/.exec(line);
    if (m === null) continue;
    if (m[3] !== undefined) names.set(m[2] as string, m[3]);
    if (m[1] === 'fn') fn = m[2] as string;
    else cfn = m[2] as string;
  }
  const nameOf = (id: string): string => names.get(id) ?? id;
  const self = new Map<string, number>();
  for (const [id, cost] of selfById) self.set(nameOf(id), (self.get(nameOf(id)) ?? 0) + cost);
  return {
    total,
    self,
    callsInto(pattern) {
      let sum = 0;
      for (const [caller, callee, cost] of calls) if (pattern.test(nameOf(callee)) && !pattern.test(nameOf(caller))) sum += cost;
      return sum;
    },
  };
}
