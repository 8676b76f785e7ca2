/**
 * What the connector keeps for a request while it is under way must not be promoted to old space once it settles.
 * A long-lived `Map` or `Set` that gains and loses an entry per request rehashes into a new table every few requests,
 * the old table (in old space once a full collection promoted it) linked to the new: each new table, and the requests
 * it held, survived its scavenges and was promoted, counted by the gateway cost guard (bench/gateway-cost.bench.ts).
 * One such was on the gateway's path: the requests under way on a caller's signal (request-abort.ts: a POS
 * connection's, shared by its requests), a list now. Counted as the guard counts
 * (bench/gateway/promotion.ts `promotedBy`), in a child node without allocation-site pretenuring (the count then does
 * not depend on when V8 decides to pretenure), 30 requests under way at a time, the oldest settling as each new one
 * comes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '@iso8583/test-support';

const REQUESTS = 200_000;
const IN_FLIGHT = 30;

/** The URL of a built module of this checkout, for the child's imports. */
const built = (...path: string[]): string => JSON.stringify(pathToFileURL(join(repoRoot(), ...path)).href);

/**
 * Bytes promoted per request in a child node: `setup` (module code) defines `start()` (one request under way, returns
 * what settles it) before the count; then {@link REQUESTS} requests, {@link IN_FLIGHT} under way at a time.
 */
function promotedPerRequest(setup: string): { perRequest: number; scavenges: number } {
  const script = `
    import { GCProfiler } from 'node:v8';
    const { promotedBy } = await import(${built('bench', 'dist', 'gateway', 'promotion.js')});
    ${setup}
    const underway = [];
    for (let i = 0; i < ${IN_FLIGHT}; i++) underway.push(start());
    globalThis.gc(); globalThis.gc();
    const profiler = new GCProfiler();
    profiler.start();
    for (let i = 0; i < ${REQUESTS}; i++) {
      underway.push(start());
      underway.shift()();
    }
    const seen = promotedBy(profiler.stop().statistics);
    for (const settle of underway) settle();
    process.stdout.write(JSON.stringify(seen));
  `;
  const out = execFileSync(process.execPath, ['--no-allocation-site-pretenuring', '--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
  const seen = JSON.parse(out) as { bytes: number; scavenges: number };
  assert.ok(seen.scavenges > 0, `scavenges ${seen.scavenges}`);
  return { perRequest: seen.bytes / REQUESTS, scavenges: seen.scavenges };
}

test('requests under way on one long-lived caller signal promote next to nothing per request', () => {
  const { perRequest } = promotedPerRequest(`
    const { RequestAbort } = await import(${built('packages', 'connector', 'dist', 'src', 'request-abort.js')});
    const shared = new AbortController();
    const start = () => { const abort = new RequestAbort(shared.signal, '0200'); return () => abort.end(); };
  `);
  // With a Set of them: 16-27 bytes a request (its tables and the requests they held); linked: under 0.1.
  assert.ok(perRequest < 2, `${perRequest.toFixed(1)} bytes promoted a request`);
});
