// A graceful stop that fails (its close rejects) is reported as what it is: the close's coded error for the command's
// error line (exit 1), never an abort. Before, the handler resolved 1 as an abort does and the command printed
// "gateway aborted" (run: "flow NAME aborted") though no second signal came, after an uncoded "shutdown failed" line.
// A real child process with the real signal handler; an interval holds its event loop, as what a failed close left
// open would: the process still exits.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runModule, stopWhenPrinted } from './cli-process.js';

const SIGNALS = fileURLToPath(new URL('../src/signals.js', import.meta.url));

const CHILD = `
import { handleSignals } from ${JSON.stringify(SIGNALS)};
setInterval(() => undefined, 60_000);
const failing = () => Promise.reject(Object.assign(new Error('the journal could not be closed'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' }));
handleSignals(failing, () => undefined, () => undefined).then(
  (code) => process.stdout.write(code === 0 ? 'stopped\\n' : 'aborted\\n'),
  (err) => {
    process.stdout.write('failed ' + err.code + ': ' + err.message + '\\n');
    process.exitCode = 1; // as the iso8583 binary does with main's 1 for a failure
  },
);
process.stdout.write('ready\\n');
`;

test('a graceful stop whose close rejects is reported with its code, not as an abort, and the process exits 1', async (t) => {
  const { code, stdout, stderr } = await stopWhenPrinted(runModule(t, CHILD), 'ready\n', { ready: 'the child to be ready', exit: 'the child to exit after its failed stop' });
  assert.match(stdout, /failed ISO8583_ERR_CONNECTOR_JOURNAL: the graceful stop failed: the journal could not be closed\n/);
  assert.doesNotMatch(stdout, /aborting|aborted/);
  assert.equal(stderr, '', 'no second, uncoded line');
  assert.equal(code, 1);
});
