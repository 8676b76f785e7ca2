// `iso8583 load` with more than ten terminals, or more than ten loops waiting for their `--rate` slot: no
// MaxListenersExceededWarning on stderr. Before, each connect and each loop waiting for its slot added a listener to
// the command's stop signal, and the eleventh printed Node's "Possible EventTarget memory leak detected" warning.
// The real binary, a real host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './cli-process.js';
import { answerFrame, loadHost } from './helpers/load-host.js';

test('load: eleven terminals, or eleven loops waiting for their slot, print no listener warning', async (t) => {
  const port = await loadHost(t, (request, _payload, socket) => socket.write(answerFrame(request)));
  for (const args of [['--clients', '11', '--count', '20'], ['--clients', '1', '--in-flight', '11', '--rate', '40', '--count', '12']]) {
    const r = await runCli(['load', '--port', String(port), ...args, '--json', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /MaxListenersExceeded|memory leak/, args.join(' '));
  }
});
