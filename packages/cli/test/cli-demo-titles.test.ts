// `iso8583 demo --transactions FILE`: a sample's title is text from elsewhere, printed as every such text is (io.ts
// `printable`): an escape sequence in it is shown with `?`, never sent to the terminal as it is. It was printed raw
// before (`== ` then the title). The real binary, a real samples file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

test('demo --once prints a sample title with its control characters as ?', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-demo-titles-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'samples.json');
  const samples = [{ title: 'Echo \u001b[2J\u001b[Hcleared', message: { '0': '0800', '7': '${transmissionTime}', '11': '4', '70': '301' } }];
  writeFileSync(file, JSON.stringify(samples));
  const r = await runCli(['demo', '--once', '--transactions', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\n== Echo \?\[2J\?\[Hcleared\n/);
  assert.ok(!r.stdout.includes('\u001b'), 'no escape character reaches the terminal');
});
