// A graceful stop whose process is still held after it (a stray handle) is ended 2 s later: with the exit code the
// command ended with by then (here 1, as when its last line could not be written), not a forced 0 that hid it. A real
// child process with the real signal handler: an interval holds its event loop; once the stop settles, the child sets
// its exit code as the `iso8583` binary does with its command's.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runModule, stopWhenPrinted } from './cli-process.js';

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
  const { code, stdout } = await stopWhenPrinted(runModule(t, CHILD), 'ready\n', { ready: 'the child to be ready', exit: 'the child to exit after its stop' });
  assert.match(stdout, /stopped 0\n/);
  assert.equal(code, 1);
});
