// The `iso8583` command's error line may carry text from elsewhere (a file name, a flag's value, a host's answer): a
// control character in it shows as `?`, so that it forges no line and runs no escape sequence on the terminal; an
// error listing its problems keeps one line per problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';
import { formatError } from '../src/io.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

test('a file name with an escape sequence and a newline: one error line, the value not shown (no file name)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-error-controls-'));
  try {
    const path = join(dir, 'no\u001b[31mred\nforged: line.json');
    const r = await runCli(['gateway', '--config', path]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(!CONTROL.test(r.stderr), JSON.stringify(r.stderr));
    assert.equal(r.stderr.split('\n').length, 2, JSON.stringify(r.stderr));
    // A value with a line break is no file name: refused as such, never echoed (the next test shows a `?` in a line).
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_FILE: --config: the value holds a line break, not a file name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a config file listing its problems: one line per problem, a control character in a line as ?', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-error-controls-'));
  try {
    const path = join(dir, 'bad\u001b]0;title\u0007.json');
    writeFileSync(path, JSON.stringify({ 'one\u001b[2J': 1, two: 2 }));
    const r = await runCli(['gateway', '--config', path]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(!CONTROL.test(r.stderr), JSON.stringify(r.stderr));
    const lines = r.stderr.split('\n');
    assert.equal(lines.length, 4, JSON.stringify(r.stderr));
    assert.match(lines[0] as string, /^iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file .*bad\?\]0;title\?\.json is invalid:$/);
    assert.match(lines[1] as string, /^ {2}\S*one\?\[2J: /);
    assert.match(lines[2] as string, /^ {2}\S*two: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('formatError: C0, DEL and C1 characters as ?, card numbers still masked', () => {
  const line = formatError(new Error('host said \u001b[31m4111111111111111\u0007\r\nx\u007f\u009b'));
  assert.ok(!line.includes('4111111111111111'), line);
  assert.ok(!CONTROL.test(line.slice(0, -1)) && !line.slice(0, -1).includes('\n'), JSON.stringify(line));
  assert.match(line, /^iso8583: ISO8583_ERR_CLI_UNEXPECTED: host said \?\[31m\S+\?\?\?x\?\?\n$/);
});
