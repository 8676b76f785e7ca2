// `iso8583 load --fail-on LIST` (the real binary): a run that counted an outcome the list names exits 3, its summary
// still printed and saying which; without the flag the exit code is as before (0 with every request answered, even
// declined); a bad list is refused before connecting, naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { LoadSummary } from '../src/index.js';
import { runCli, startCli } from './cli-process.js';
import { answerFrame, loadHost } from './helpers/load-host.js';

/** simulate-host with an opening balance of 1 (minor unit) per card: it declines every purchase with 51. */
async function decliningHost(t: { after: (fn: () => Promise<unknown>) => void }): Promise<number> {
  const host = await startCli(['simulate-host', '--port', '0', '--balance', '1']);
  t.after(() => host.stop());
  return host.port;
}

const LOAD = ['--clients', '2', '--count', '10', '--quiet'];

test('without --fail-on a run whose every request was declined exits 0, as before', async (t) => {
  const port = await decliningHost(t);
  const r = await runCli(['load', '--port', String(port), ...LOAD, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as LoadSummary;
  assert.deepEqual(s.outcomes, { '51': 10 });
  assert.equal(s.failedOn, undefined);
});

test('--fail-on declined exits 3 against a declining simulate-host, the summary printed and naming what failed', async (t) => {
  const port = await decliningHost(t);
  const text = await runCli(['load', '--port', String(port), ...LOAD, '--fail-on', 'declined']);
  assert.equal(text.code, 3, text.stderr);
  assert.match(text.stdout, /^transactions +10 answered of 10 sent/m);
  assert.match(text.stdout, /^outcomes +51: 10$/m);
  assert.match(text.stdout, /^failed on +declined 10 \(--fail-on\)$/m);
  const json = await runCli(['load', '--port', String(port), ...LOAD, '--json', '--fail-on', 'timeouts,declined']);
  assert.equal(json.code, 3, json.stderr);
  assert.deepEqual((JSON.parse(json.stdout) as LoadSummary).failedOn, { declined: 10 });
});

test('--fail-on naming only outcomes the run did not count leaves the exit code at 0', async (t) => {
  const port = await decliningHost(t);
  const r = await runCli(['load', '--port', String(port), ...LOAD, '--fail-on', 'unmatched,timeouts,errors']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /failed on/);
});

test('--fail-on unmatched exits 3 when the host answers each request twice (the repeat matches no request)', async (t) => {
  const port = await loadHost(t, (request, _payload, socket) => {
    const frame = answerFrame(request);
    socket.write(Buffer.concat([frame, frame]));
  });
  const args = ['load', '--port', String(port), '--clients', '1', '--count', '5', '--quiet', '--json'];
  const plain = await runCli(args);
  assert.equal(plain.code, 0, 'every request was answered: unmatched answers alone do not fail a run without --fail-on');
  assert.ok((JSON.parse(plain.stdout) as LoadSummary).unmatched > 0);
  const r = await runCli([...args, '--fail-on', 'unmatched']);
  assert.equal(r.code, 3, r.stderr);
  const s = JSON.parse(r.stdout) as LoadSummary;
  assert.equal(s.failedOn?.unmatched, s.unmatched);
});

test('--fail-on with a name it does not take is refused before connecting, naming the flag and the names it takes', async () => {
  // Port 9 (discard): nothing is connected to, the list is read first.
  const r = await runCli(['load', '--port', '9', '--fail-on', 'declined,bogus']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ISO8583_ERR_CLI_OPTION/);
  assert.match(r.stderr, /--fail-on takes a comma-separated list of unmatched, declined, timeouts, errors: "bogus" is none of them/);
  assert.doesNotMatch(r.stderr, /connect/);
  const help = await runCli(['load', '--help']);
  assert.match(help.stdout, /--fail-on LIST/);
});

test('--fail-on timeouts turns the exit code of a host that never answers from 1 into 3', async (t) => {
  // Reads every request (so that it sees each connection end) and answers none.
  const server = net.createServer((socket) => socket.on('error', () => undefined).resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as net.AddressInfo).port;
  const args = ['load', '--port', String(port), '--clients', '1', '--count', '2', '--timeout', '100', '--quiet', '--json'];
  assert.equal((await runCli(args)).code, 1, 'unanswered requests fail a run without --fail-on too');
  const r = await runCli([...args, '--fail-on', 'timeouts']);
  assert.equal(r.code, 3, r.stderr);
  assert.deepEqual((JSON.parse(r.stdout) as LoadSummary).failedOn, { timeouts: 2 });
});
