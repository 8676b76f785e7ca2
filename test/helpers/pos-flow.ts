// A flow of one `bank` connector and one `pos` endpoint (`iso8583 run`, the real binary), as the tests of a flow's
// undelivered approvals run it: binary2 frames both ways, the bank's reversals journaled under the test's folder, an
// HTTP surface for /metrics; and what they read when it stops: the 0400s the bank got, the log, the reversal counts.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { owedInJournalSync } from '@iso8583/connector';
import { hostPort, startCli } from './cli.js';
import type { CliProcess } from './cli.js';

/** A host and port. */
export interface Address {
  host: string;
  port: number;
}

/** A running flow: its process, its POS endpoint and its HTTP surface. */
export interface PosFlow {
  flow: CliProcess;
  pos: Address;
  http: Address;
}

/**
 * Writes `name`.json in `work` and runs it: the `bank` connector to `bankPort` (60 s request timeout, reversals on),
 * the `pos` endpoint on port 0 with `pos` (its `sequence`, `onError`, `sequenceTimeout`... as full paths and values),
 * the HTTP surface on port 0; `flow` (default none) the flow's own keys beside them (`shutdownDeadline`, `logLevel`
 * over the default `warn`...). Its journal is `name`-journal in `work`. Resolves once the flow says it is ready.
 */
export async function startPosFlow(work: string, name: string, bankPort: number, pos: Record<string, unknown>, flow: Record<string, unknown> = {}): Promise<PosFlow> {
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify({
    name,
    connectors: {
      bank: { host: '127.0.0.1', port: bankPort, frame: 'binary2', requestTimeout: 60_000, reversal: { enabled: true, journalDir: join(work, `${name}-journal`) } },
    },
    inboundEndpoints: { pos: { port: 0, frame: 'binary2', ...pos } },
    http: { port: 0 },
    logLevel: 'warn',
    ...flow,
  }));
  const run = startCli(['run', file], { cwd: work });
  const posAddress = hostPort((await run.waitForLine(/^inbound pos listening on (\S+)/))[1] as string);
  const http = hostPort((await run.waitForLine(/^http listening on (\S+)/))[1] as string);
  await run.waitForLine(new RegExp(`^flow ${name} ready`));
  return { flow: run, pos: posAddress, http };
}

/** Stops the flow (its SAF queue drained first), then the bank; returns the 0400s the bank got, and the whole log. */
export async function stopPosFlow(flow: CliProcess, bank: { received: IsoMessage[]; close(): Promise<unknown> }): Promise<{ reversals: IsoMessage[]; logged: string }> {
  flow.kill('SIGTERM');
  assert.equal((await flow.exited).code, 0);
  await bank.close();
  return { reversals: bank.received.filter((r) => r['0'] === '0400'), logged: flow.stdout() + flow.stderr() };
}

/** The count of approvals reversed for `reason` at the POS side on the flow's /metrics (0 when none). */
export async function reversedCount(http: Address, reason: string): Promise<number> {
  const metrics = await (await fetch(`http://${http.host}:${http.port}/metrics`)).text();
  const line = new RegExp(`iso8583_gateway_undelivered_approvals_total\\{reason="${reason}",side="pos",outcome="reversed"\\} (\\d+)`).exec(metrics);
  return line === null ? 0 : Number(line[1]);
}

/**
 * Asserts that the purchase of STAN `stan` (6 digits) was reversed once across a stop: its 0400 reached the bank at
 * most once (field 90 naming that 0200), and it was sent or is still owed by the flow's journal in `journalDir` (read
 * as the next start reads it: an entry ended `not-needed` owes nothing), and no more than one reversal is owed.
 */
export function assertReversedOnce(journalDir: string, bankReceived: readonly IsoMessage[], stan: string, logged: string): void {
  const sent = bankReceived.filter((r) => r['0'] === '0400');
  const owed = owedInJournalSync(journalDir).reversals;
  assert.ok(sent.length <= 1, 'one reversal at the bank');
  assert.ok(owed <= 1, `at most one reversal owed: ${owed}`);
  assert.ok(sent.length === 1 || owed === 1, `the approval's reversal is sent or owed by the journal: ${logged}`);
  for (const r of sent) assert.match(String(r['90']), new RegExp(`^0200${stan}`));
}
