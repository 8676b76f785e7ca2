// `iso8583 demo --transactions FILE`: a sample's title is text from elsewhere, printed as every such text is (io.ts
// `safeText`): card data in it masked (it was printed whole), an escape sequence in it shown with `?`, never sent to
// the terminal as it is (it was printed raw before). The real binary, a real samples file.
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

test('demo --once prints a sample title naming the card with the card data masked, as in its fields', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-demo-titles-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'samples.json');
  // A test card, written as digits and as the hex of its EBCDIC bytes with track 2's separator and expiry after it.
  const pan = '4761739001010119';
  const ebcdic = 'F4F7F6F1F7F3F9F0F0F1F0F1F0F1F1F9';
  const samples = [{ title: `purchase, card ${pan}, track ${ebcdic}7EF2F9F1F2`, message: { '0': '0800', '7': '${transmissionTime}', '11': '5', '70': '301' } }];
  writeFileSync(file, JSON.stringify(samples));
  const r = await runCli(['demo', '--once', '--transactions', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\n== purchase, card 476173\*{6}0119, track F4F7F6F1F7F3\*{12}F0F1F1F97E\*{8}\n/);
  assert.ok(!r.stdout.includes(pan) && !r.stdout.includes(ebcdic), 'the card number is not on stdout whole');
});
