// A JSON file saved by a Windows editor starts with a UTF-8 byte order mark: a flow file, a gateway config file and a
// demo --transactions file so saved were refused as "not JSON at 1:1" (JSON.parse refuses U+FEFF). They are read as
// the same file without it; a place in the file is still counted from its first character after the mark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIso8583Error } from '@iso8583/codec';
import { loadFlow } from '../src/index.js';
import { demoTransactions } from '../src/commands/demo.js';
import { runCli } from './cli-process.js';
import { flowProblems } from './flow-problems.js';

const BOM = '\uFEFF';

type After = { after(fn: () => unknown): void };

/** Writes `text` as `name` in a folder of the test's own (removed after it), UTF-8 with a byte order mark. */
function bomFile(t: After, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-bom-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, `${BOM}${text}`, 'utf8');
  return file;
}

test('a flow file with a byte order mark loads; its places are counted after the mark', (t) => {
  const flow = { name: 'bom', inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } } };
  const loaded = loadFlow(bomFile(t, 'flow.json', `${JSON.stringify(flow, null, 2)}\r\n`), {});
  assert.equal(loaded.name, 'bom');
  assert.deepEqual(Object.keys(loaded.inboundEndpoints), ['pos']);
  // A key given twice on the first line: its column is the one an editor shows (the mark is no column).
  const twice = bomFile(t, 'flow.json', '{"name":"a","name":"b"}');
  assert.deepEqual(flowProblems(twice), ['flow.json:1:20 /name: the key is given twice in its object (JSON would keep only the last)']);
  // Not JSON after the mark: located after it too.
  const bad = bomFile(t, 'flow.json', '{,}');
  assert.throws(() => loadFlow(bad, {}), (err) => isIso8583Error(err) && err.code === 'ISO8583_ERR_FLOW_FILE' && err.message.endsWith(`${bad}:1:2`));
});

test('a gateway config file with a byte order mark passes --check-config', async (t) => {
  const file = bomFile(t, 'gateway.json', `${JSON.stringify({ upstream: '127.0.0.1:9', listen: 0 }, null, 2)}\r\n`);
  const r = await runCli(['gateway', '--config', file, '--reversal-journal', join(file, '..', 'journal'), '--check-config']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /gateway config is valid: upstream=127\.0\.0\.1:9 /);
});

test('a demo --transactions file with a byte order mark is read', (t) => {
  const list = [{ title: 'Echo', message: { '0': '0800', '11': '000001', '70': '301' } }];
  const read = demoTransactions(bomFile(t, 'transactions.json', JSON.stringify(list)));
  assert.deepEqual(read.map((x) => x.title), ['Echo']);
});
