// A graceful stop whose first part fails still waits for the others (an upstream draining its reversals to its bank)
// before it reports the failure, and the process exits 1 even when something still holds its event loop and the
// command never sets the exit code itself. Before, the stop (Promise.all) rejected at the first failure and the exit
// forced 2 s later, with code 0 when nothing had set it, cut the drain short.
// A real child process with the real signal handler and the stop shaped as the gateway's (settleAll over its parts);
// the slow part ends when the test says so (a line on the child's stdin), after the failure is known.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { within } from '@iso8583/test-support';

const SIGNALS = fileURLToPath(new URL('../src/signals.js', import.meta.url));
const SETTLE = fileURLToPath(new URL('../src/settle-all.js', import.meta.url));

const CHILD = `
import { handleSignals } from ${JSON.stringify(SIGNALS)};
import { settleAll } from ${JSON.stringify(SETTLE)};
setInterval(() => undefined, 60_000);
const drained = new Promise((resolve) => process.stdin.once('data', () => {
  process.stdout.write('drained\\n');
  resolve();
}));
const failing = Promise.reject(Object.assign(new Error('the journal could not be closed'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' }));
failing.catch(() => undefined);
handleSignals(() => settleAll([failing, drained]), () => undefined, () => undefined).then(
  (code) => process.stdout.write('resolved ' + code + '\\n'),
  (err) => process.stdout.write('failed ' + err.code + '\\n'),
);
process.stdout.write('ready\\n');
`;

test('a failed graceful stop waits for every part, then exits 1 (set before the forced exit)', async (t) => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString('utf8');
    for (const w of waiters) if (stdout.includes(w.text)) w.resolve();
  });
  const seen = (text: string): Promise<void> =>
    new Promise((resolve) => {
      if (stdout.includes(text)) resolve();
      else waiters.push({ text, resolve });
    });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await within(seen('ready\n'), 20_000, 'the child to be ready');
  child.kill('SIGTERM');
  await within(seen('SIGTERM: stopping'), 20_000, 'the stop to begin');
  // The failing part has failed by now; the slow part ends only now.
  child.stdin.end('go\n');
  const code = await within(exited, 20_000, 'the child to exit after its failed stop');
  const lines = stdout.split('\n').filter((l) => l !== '' && !l.startsWith('SIGTERM'));
  assert.deepEqual(lines, ['ready', 'drained', 'failed ISO8583_ERR_CONNECTOR_JOURNAL'], 'the failure is reported after the drain, never before');
  assert.equal(code, 1, 'a failed stop exits 1 even when the command did not set the code');
});
