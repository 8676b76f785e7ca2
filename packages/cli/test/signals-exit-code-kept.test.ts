// A graceful stop whose process is still held after it (a stray handle) is ended 2 s later: with the exit code the
// command ended with by then (here 1, as when its last line could not be written), not a forced 0 that hid it. A real
// child process with the real signal handler: an interval holds its event loop; once the stop settles, the child sets
// its exit code as the `iso8583` binary does with its command's.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { within } from '@iso8583/test-support';

const SIGNALS = fileURLToPath(new URL('../src/signals.js', import.meta.url));

const CHILD = `
import { handleSignals } from ${JSON.stringify(SIGNALS)};
setInterval(() => undefined, 60_000); // a stray handle that holds the event loop after the stop
handleSignals(async () => undefined, () => undefined, () => undefined).then((code) => {
  process.exitCode = 1; // the command's outcome: its last line could not be written (io.ts writeEnd)
  process.stdout.write('stopped ' + code + '\\n');
});
process.stdout.write('ready\\n');
`;

test('a graceful stop held by a stray handle exits with the command\'s exit code, not a forced 0', async (t) => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  const ready = new Promise<void>((resolve) => {
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString('utf8');
      if (stdout.includes('ready\n')) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await within(ready, 20_000, 'the child to be ready');
  child.kill('SIGTERM');
  const code = await within(exited, 20_000, 'the child to exit after its stop');
  assert.match(stdout, /stopped 0\n/);
  assert.equal(code, 1);
});
