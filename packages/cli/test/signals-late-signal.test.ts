// A stop signal that lands once the graceful stop has settled (the command still writing its end line, the process
// about to exit) changed the exit code the stop had decided (sr67o #5): it ran the abort and exited 1 after "stopped"
// (exit 0) was said. The first outcome decides now: the late signal is ignored. A real child process with the real
// signal handler: once its stop resolves, the child sends itself a second SIGTERM (so it lands after the stop's promise
// resolved, for certain: no timing) and sets its exit code as the `iso8583` binary does with its command's.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runModule, stopWhenPrinted } from './cli-process.js';

const SIGNALS = fileURLToPath(new URL('../src/signals.js', import.meta.url));

const CHILD = `
import { handleSignals } from ${JSON.stringify(SIGNALS)};
setInterval(() => undefined, 60_000); // the process lives on past the stop, as while the command writes its end
handleSignals(async () => undefined, () => void process.stdout.write('abort called\\n'), () => undefined).then((code) => {
  process.exitCode = code; // the command's outcome (bin/iso8583.js)
  process.stdout.write('stopped ' + code + '\\n');
  // Told once the signal's listeners ran (this one is the last added): the child still ran when the signal came.
  process.once('SIGTERM', () => setImmediate(() => process.stdout.write('late signal handled\\n')));
  process.kill(process.pid, 'SIGTERM'); // a second signal after the stop resolved
});
process.stdout.write('ready\\n');
`;

test('a stop signal after the graceful stop settled neither aborts nor changes the exit code (sr67o #5)', async (t) => {
  const { code, stdout } = await stopWhenPrinted(runModule(t, CHILD), 'ready\n', { ready: 'the child to be ready', exit: 'the child to exit after its stop' });
  assert.match(stdout, /stopped 0\n/);
  assert.doesNotMatch(stdout, /again: aborting|abort called/, 'no abort after the stop settled');
  assert.equal(code, 0, 'the exit code the stop decided');
  assert.match(stdout, /late signal handled\n/, 'the late signal came while the child still ran');
});

// A SIGHUP (logrotate) in the seconds after the stop settled: the stop removed its SIGHUP listener, and with none left
// Node's default ended the process by the signal (exit 129, its end line maybe lost). It is ignored as well now.
const CHILD_HUP = `
import { handleSignals } from ${JSON.stringify(SIGNALS)};
setInterval(() => undefined, 60_000);
handleSignals(async () => undefined, () => void process.stdout.write('abort called\\n'), () => void process.stdout.write('reopened\\n')).then((code) => {
  process.exitCode = code;
  process.stdout.write('stopped ' + code + '\\n');
  process.kill(process.pid, 'SIGHUP'); // logrotate's SIGHUP after the stop resolved
  // A timer, not a listener: a listener of its own would keep the old code's process alive (no listener left, Node's
  // default ended it by the signal at once, before this fires); it only shows the child still ran after the signal.
  setTimeout(() => process.stdout.write('late hup handled\\n'), 100).unref();
});
process.stdout.write('ready\\n');
`;

test('a SIGHUP after the graceful stop settled neither kills the process nor reopens the log (sr68c #1)', async (t) => {
  const { code, stdout } = await stopWhenPrinted(runModule(t, CHILD_HUP), 'ready\n', { ready: 'the child to be ready', exit: 'the child to exit after its stop' });
  assert.match(stdout, /stopped 0\n/);
  assert.doesNotMatch(stdout, /reopened|abort called/, 'nothing done for the late SIGHUP');
  assert.equal(code, 0, 'the exit code the stop decided, not ended by the signal (null)');
  assert.match(stdout, /late hup handled\n/, 'the late SIGHUP came while the child still ran');
});
