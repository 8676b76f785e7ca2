// Each upstream of the gateway's group journals its reversals in a folder of its own: a name `.` or `..` (whose
// folder `<--reversal-journal>/..` is outside the flag's folder), or two names that map to one folder (`a:b` and `a_b`
// under the default state folder), are refused by --check-config as by the start, naming /upstreams/N/name. They used
// to pass the check; the start then wrote outside --reversal-journal, or failed with a JOURNAL_LOCKED naming a flag
// never given and the gateway's own pid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { checkGatewayConfig } from '../src/gateway/check-config.js';
import { runCli } from './cli-process.js';

function folder(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-journal-names-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const check = (...flags: string[]): string => checkGatewayConfig(parseGatewayArgs(flags).config);

test('gateway --check-config: an upstream named .. under --reversal-journal exits 1 naming /upstreams/0/name', async (t) => {
  const dir = join(folder(t), 'journal');
  const r = await runCli(['gateway', '--upstream', '..=127.0.0.1:9', '--upstream', 'b=127.0.0.1:10', '--reversal-journal', dir, '--check-config']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_GATEWAY_CONFIG: \/upstreams\/0\/name \(upstream "\.\."\): names no journal folder of its own/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
});

test('an upstream named . is refused too, with or without --reversal-journal', (t) => {
  const dir = folder(t);
  assert.throws(() => check('--upstream', 'a=127.0.0.1:9', '--upstream', '.=127.0.0.1:10', '--reversal-journal', dir), {
    code: 'ISO8583_ERR_GATEWAY_CONFIG',
    field: '/upstreams/1/name',
  });
  assert.throws(() => check('--upstream', 'a=127.0.0.1:9', '--upstream', '.=127.0.0.1:10'), { field: '/upstreams/1/name' });
});

test('two upstream names that map to one default journal folder (a:b, a_b) are refused, naming the second', () => {
  assert.throws(
    () => check('--upstream', 'a:b=127.0.0.1:9', '--upstream', 'a_b=127.0.0.1:10'),
    (err: unknown) => {
      const e = err as { code?: string; field?: string; message?: string };
      assert.equal(e.code, 'ISO8583_ERR_GATEWAY_CONFIG');
      assert.equal(e.field, '/upstreams/1/name');
      assert.match(String(e.message), /\/upstreams\/1\/name \(upstream "a_b"\): its reversal journal folder \S+a_b is also upstream "a:b"'s/);
      return true;
    },
  );
});

test('the same names with folders apart pass: under --reversal-journal (a:b and a_b), or with --no-reversal', (t) => {
  const dir = folder(t);
  assert.match(check('--upstream', 'a:b=127.0.0.1:9', '--upstream', 'a_b=127.0.0.1:10', '--reversal-journal', dir), /gateway config is valid/);
  assert.match(check('--upstream', 'a:b=127.0.0.1:9', '--upstream', 'a_b=127.0.0.1:10', '--no-reversal'), /gateway config is valid/);
});
