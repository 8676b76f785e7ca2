// A flag file read through a pipe of this process (a key or token through `<(...)`, `/dev/stdin`) is held only while the
// command starts (the gateway reads `--tls-key` for each upstream, and its checks before: the same text each time), then
// let go (`releaseFlagPipes`, once the gateway has started): the key or token is not kept for the process's life, and
// a read after it is refused, named, never answered with the old text. A real pipe into a real process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const SECRET = 'token-3f9c2a7e';

test('a pipe read as a flag file is read again as the same text until released, then refused, never its text', () => {
  const module = new URL('../src/read-file.js', import.meta.url).href;
  const script =
    `const { readFlagFile, releaseFlagPipes } = await import(${JSON.stringify(module)});` +
    `const first = readFlagFile('/dev/stdin', '--http-token-file');` +
    `const again = readFlagFile('/dev/stdin', '--http-token-file');` +
    `releaseFlagPipes();` +
    `let after;` +
    `try { after = readFlagFile('/dev/stdin', '--http-token-file'); } catch (err) { after = { code: err.code, message: err.message }; }` +
    `process.stdout.write(JSON.stringify({ first, again, after }));`;
  // A pipe into stdin, as a shell makes it (`... | iso8583 ... /dev/stdin`).
  const r = spawnSync('bash', ['-c', 'printf "%s\\n" "$SECRET" | "$NODE" --input-type=module -e "$SCRIPT"'], {
    encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL', env: { ...process.env, SECRET, SCRIPT: script, NODE: process.execPath },
  });
  assert.equal(r.stderr, '');
  const out = JSON.parse(r.stdout) as { first: string; again: string; after: { code: string; message: string } | string };
  assert.equal(out.first, `${SECRET}\n`);
  assert.equal(out.again, `${SECRET}\n`, 'a second read while starting is the first\'s text');
  assert.equal(typeof out.after, 'object', `read after the release: ${JSON.stringify(out.after)}`);
  const after = out.after as { code: string; message: string };
  assert.equal(after.code, 'ISO8583_ERR_CLI_FILE');
  assert.match(after.message, /--http-token-file: \/dev\/stdin is a pipe this process read at its start and no longer holds/);
  assert.doesNotMatch(after.message, new RegExp(SECRET));
});
