// A second stop signal ends the process once the abort settled or its grace (ABORT_EXIT_WAIT, 8.2 s) passed and the command wrote its
// end: at once, even with a handle still holding the event loop (a destroy waiting for a store that does not answer).
// The hard exit came a whole grace later before (2 s), while the docs promised "within about a second". A real child
// process with the real signal handler: its abort never settles and an interval holds its event loop; once the handler
// resolves, the child arms a timer that writes a line after 100 ms, which only a process still running can write.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { within } from '@iso8583/test-support';

const SIGNALS = fileURLToPath(new URL('../src/signals.js', import.meta.url));

const CHILD = `
import { handleSignals } from ${JSON.stringify(SIGNALS)};
setInterval(() => undefined, 60_000); // a handle that holds the event loop, as a store that does not answer does
const never = () => new Promise(() => undefined);
handleSignals(never, never, () => undefined).then((code) => {
  process.stdout.write('aborted ' + code + '\\n');
  setTimeout(() => process.stdout.write('still running\\n'), 100);
});
process.stdout.write('ready\\n');
`;

test('a second SIGTERM exits right after the abort grace, with a handle still holding the event loop', async (t) => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  const seen: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString('utf8');
    for (const w of seen.splice(0)) if (stdout.includes(w.text)) w.resolve(); else seen.push(w);
  });
  const line = (text: string): Promise<void> => within(new Promise<void>((resolve) => (stdout.includes(text) ? resolve() : seen.push({ text, resolve }))), 20_000, `the child's "${text}" line`);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await line('ready');
  child.kill('SIGTERM');
  await line('SIGTERM: stopping');
  child.kill('SIGTERM');
  const code = await within(exited, 20_000, 'the child to exit after a second SIGTERM');
  assert.equal(code, 1);
  assert.match(stdout, /SIGTERM again: aborting\naborted 1\n/);
  assert.doesNotMatch(stdout, /still running/, 'the process went on after the abort had ended');
});
