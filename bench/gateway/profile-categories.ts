/**
 * The gateway's CPU profile by what the time is spent on (socket writes, garbage collection, decoding, the transaction
 * log, ...): each sample's self time goes to the category of the first frame from the top of its stack that one of
 * the rules below names. Native helpers and Buffer's own code pass through to their caller's category (a Buffer made
 * by a decode counts as decoding), except the natives that are a category of their own (`writeBuffer`: socket writes;
 * the collector; `runMicrotasks`; `performance.now`). Printed by profile.ts. A write's native `writeBuffer` goes to
 * its caller too: the stream's write path (socket writes) or the journal's and the transaction log's file writes
 * (`fs/promises` and durable-file.ts pass through), which until 2026-12-03 were counted as socket writes (a fifth of
 * them without the journal, three fifths with it).
 *
 * Read socket writes with care: the profiler samples by wall time, so the time the gateway's thread is off the CPU
 * inside a `write` (the kernel wakes the reader on loopback, which may run first on a busy machine) counts as
 * `writeBuffer`. The process's own split (`process.cpuUsage`) is the check: on 2026-12-03 system time was 16-22% of
 * the gateway's CPU, reads, writes and epoll together, where `writeBuffer` alone was 22-29% of the profile.
 */

interface Frame {
  functionName: string;
  url: string;
}

/** [function name, file URL, category]: the first rule both patterns match names the category; null: pass through. */
const RULES: [RegExp, RegExp, string | null][] = [
  [/^\(garbage collector\)$/, /^/, 'garbage collection'],
  [/^\(program\)$/, /^/, 'V8 and native, outside JavaScript (program)'],
  [/^now$/, /^$/, 'timers and deadlines'],
  [/^runMicrotasks$/, /^$/, 'promises and microtasks'],
  [/^unpackCompiled/, /^/, 'decoding (two messages)'],
  [/^/, /node:internal\/(buffer|util|validators|per_context)|^node:buffer$|^$/, null],
  // A file's writes and reads count where they are made (the journal's, the transaction log's): node's `writeBuffer`
  // is the binding of a socket's write and of a file's alike, and passes through to its caller like every native.
  [/^/, /node:internal\/fs\/promises|connector\/dist\/src\/durable-file/, null],
  // A map's lookups count where it is used: the channel's pending requests as matching, the journal's open entries as
  // the journal.
  [/^/, /codec\/dist\/src\/dictionary-map/, null],
  [/^(flush|write|watchedWrite)$/, /message-stream/, 'socket writes'],
  [/^/, /message-stream|codec\/dist\/src\/framing/, 'framing'],
  [/^/, /node:internal\/streams\/writable|^node:net$|stream_base_commons/, 'socket writes'],
  [/^onStreamRead$/, /stream_base_commons/, 'socket reads'],
  [/^/, /node:internal\/streams\/readable|^node:events$/, 'socket reads'],
  [/^/, /codec\/dist\/src\/(codec|field|encoding|dialect|mti|approval|arguments)|wasm/, 'decoding (two messages)'],
  [/^/, /match-key|connector\/dist\/src\/channel\.js/, 'matching (channel send and receive, match keys)'],
  [/^/, /node:(internal\/)?timers|perf|timeouts|deadlines/, 'timers and deadlines'],
  [/^/, /task_queues|process\/promises|async_hooks/, 'promises and microtasks'],
  [/^/, /metrics|accounting|socketqueue-figures|prom-client/, 'metrics and counting'],
  [/^/, /pino|quiet-log|redact|safe-log|codec\/dist\/src\/mask/, 'logging and masking'],
  [/^/, /cli\/dist\/src\/console/, "the console's ring and figures"],
  [/^/, /connector\/dist\/src\/(journal|reversal|saf-)|^node:zlib$/, 'the journal and the reversal (records, batches, checksums)'],
  [/^/, /transaction-record|transaction-allow-list|codec\/dist\/src\/pan/, 'transaction record (build, allow-list, PAN masked)'],
  [/^/, /transaction-log|durable-file|fs\/promises|node:fs|node:internal\/fs|file-identity|line-buffer|folder-lock/, 'transaction log file (JSON line, batch writes)'],
  [/^/, /inbound\/dist|cli\/dist\/src\/gateway|connector\/dist\/src\/(connector|request-sender|request-outcome|channel-pool|multiplex-pool|relay)/, 'the relay (endpoint, connector: per-request objects, closures)'],
  [/^/, /modules|ajv|fastify|semver|avvio|find-my-way|bootstrap|node:internal\/url|node:path|schema|deps/, 'start-up (modules, schemas)'],
];

/** The category of the stack whose frames are `stack` (leaf first). */
export function categoryOf(stack: Frame[]): string {
  for (const f of stack) {
    const rule = RULES.find(([fn, url]) => fn.test(f.functionName) && url.test(f.url));
    if (rule === undefined) return `other (${f.url.replace(/^.*\//, '')})`;
    if (rule[2] !== null) return rule[2];
  }
  return 'other';
}
