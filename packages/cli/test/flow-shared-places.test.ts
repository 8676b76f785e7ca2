// What `run --check` passed and the start then refused: two connectors with one journal folder (the second one's
// journal lock refused, and the error named the first connector's path), and two inbound endpoints with one name
// (the second one's metrics refused, ISO8583_ERR_INBOUND_OPTIONS with no JSON path). Both are refused by loadFlow, at
// the second one's JSON path and line, naming the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flowPathProblems, flowProblems } from './flow-problems.js';

type After = { after(fn: () => unknown): void };

function flowFile(t: After, flow: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-shared-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify(flow, null, 2));
  return file;
}

const POS = { pos: { port: 0, sequence: 'host-simulator' } };
const bank = (reversal: Record<string, unknown>): Record<string, unknown> => ({ host: '127.0.0.1', port: 1, reversal: { enabled: true, ...reversal } });

test('flow file – two connectors with one journal folder: the second is refused at its journalDir, naming the first', (t) => {
  const file = flowFile(t, { name: 'shared', connectors: { visa: bank({ journalDir: 'j' }), mc: bank({ journalDir: './j/' }) }, inboundEndpoints: POS });
  const problems = flowProblems(file);
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0] as string, /^flow\.json:\d+:\d+ \/connectors\/mc\/reversal\/journalDir: \S+ is connector visa's journal folder too \(\/connectors\/visa\/reversal\/journalDir\): give each connector its own$/);
});

test('flow file – a saf journal folder shared with a reversal journal folder is refused too; distinct folders load', (t) => {
  const shared = flowFile(t, {
    name: 'shared',
    connectors: { a: bank({ journalDir: 'j' }), b: { host: '127.0.0.1', port: 1, saf: { enabled: true, journalDir: 'j' } } },
    inboundEndpoints: POS,
  });
  assert.match(flowPathProblems(shared).join('\n'), /^\/connectors\/b\/saf\/journalDir: \S+ is connector a's journal folder too/);
  const apart = flowFile(t, { name: 'apart', connectors: { a: bank({ journalDir: 'j1' }), b: bank({ journalDir: 'j2' }) }, inboundEndpoints: POS });
  assert.deepEqual(flowProblems(apart), []);
});

test('flow file – two inbound endpoints with one name (a `name` given, or the key): the second is refused, naming the first', (t) => {
  const file = flowFile(t, {
    name: 'dup',
    inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' }, pos2: { port: 0, sequence: 'host-simulator', name: 'pos' } },
  });
  assert.deepEqual(flowPathProblems(file), [
    "/inboundEndpoints/pos2/name: pos is inbound endpoint pos's name too (/inboundEndpoints/pos): give each endpoint its own (its metrics and log lines are by name)",
  ]);
  const named = flowFile(t, {
    name: 'dup',
    inboundEndpoints: { a: { port: 0, sequence: 'host-simulator', name: 'x' }, b: { port: 0, sequence: 'host-simulator', name: 'x' } },
  });
  assert.deepEqual(flowPathProblems(named), [
    "/inboundEndpoints/b/name: x is inbound endpoint a's name too (/inboundEndpoints/a/name): give each endpoint its own (its metrics and log lines are by name)",
  ]);
});
