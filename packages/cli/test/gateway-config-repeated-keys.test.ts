// A gateway config file that gives a key twice in one object (`"port"` twice, a second upstream's `"upstream"` twice)
// was read by a plain JSON.parse, which keeps the last value without a word: the gateway listened on, or linked to,
// the one the operator may not have meant. The real binary now refuses it as a flow file's is refused, naming each key
// by its JSON Pointer and the file's line and column of its second value; text that is not JSON is located, not quoted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

type After = { after(fn: () => unknown): void };

/** A folder of the test's own, removed after it, and a writer of files in it. */
function folder(t: After): { dir: string; write(name: string, text: string): string } {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-config-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, text) {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    },
  };
}

test('config file: a key given twice in one object is refused by --check-config, naming its path and line:column', async (t) => {
  const f = folder(t);
  const journal = ['--reversal-journal', join(f.dir, 'journal')];
  const twice = f.write('twice.json', '{\n  "upstream": "127.0.0.1:9",\n  "listen": 0,\n  "listen": 0\n}\n');
  const r = await runCli(['gateway', '--config', twice, ...journal, '--check-config']);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.startsWith(`iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${twice} is invalid`), r.stderr);
  assert.match(r.stderr, new RegExp(`${twice.replace(/[.\\]/g, '\\$&')}:4:13 /listen: the key is given twice in its object`));

  // In a nested object: the upstream's own key, under the name the file gave it.
  const nested = f.write('nested.json', JSON.stringify({ upstreams: [{ name: 'bankA', upstream: '127.0.0.1:9' }] }).replace('"name":"bankA",', '"name":"bankA","upstream":"127.0.0.1:10",'));
  const n = await runCli(['gateway', '--config', nested, ...journal, '--check-config']);
  assert.equal(n.code, 1, n.stdout);
  assert.match(n.stderr, /ISO8583_ERR_GATEWAY_CONFIG: .* is invalid:\n.*nested\.json:1:\d+ \/upstreams\/0\/upstream: the key is given twice/);

  // Each key once is still a valid file.
  const once = f.write('once.json', '{\n  "upstream": "127.0.0.1:9",\n  "listen": 0\n}\n');
  const ok = await runCli(['gateway', '--config', once, ...journal, '--check-config']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /gateway config is valid: upstream=127\.0\.0\.1:9 /);
});

test('config file: text that is not JSON is located by line and column, never quoted', async (t) => {
  const f = folder(t);
  // A card number in a broken file is never repeated back (the parser's own text quotes the file).
  const bad = f.write('bad.json', '{\n  "upstream": "127.0.0.1:9",\n  4111111111111111\n}\n');
  const r = await runCli(['gateway', '--config', bad, '--check-config']);
  assert.equal(r.code, 1, r.stdout);
  assert.ok(r.stderr.startsWith(`iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${bad} is not JSON at ${bad}:3:3`), r.stderr);
  assert.doesNotMatch(r.stderr, /4111/);
  const empty = f.write('empty.json', ' \n');
  const e = await runCli(['gateway', '--config', empty, '--check-config']);
  assert.equal(e.code, 1, e.stdout);
  assert.ok(e.stderr.startsWith(`iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${empty} is not JSON: the file is empty`), e.stderr);
});
