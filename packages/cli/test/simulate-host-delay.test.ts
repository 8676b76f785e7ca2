import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { MAX_REQUEST_TIMEOUT, MAX_TIMER_DELAY } from '@iso8583/connector';
import { sequenceTimeoutFor, simulateHostCommand } from '../src/commands/simulate-host.js';

test('simulate-host --delay – the endpoint waits past the delay (30 s at least, else delay + 5 s), within a timer\'s range', () => {
  assert.equal(sequenceTimeoutFor(0), 30000);
  assert.equal(sequenceTimeoutFor(20), 30000);
  assert.equal(sequenceTimeoutFor(25000), 30000);
  assert.equal(sequenceTimeoutFor(31000), 36000);
  for (const delay of [0, 1, 24999, 25001, 31000, MAX_REQUEST_TIMEOUT]) {
    const timeout = sequenceTimeoutFor(delay);
    assert.ok(timeout > delay, `${delay}`);
    assert.ok(timeout <= MAX_TIMER_DELAY, `${delay}`);
  }
});

test('simulate-host – a bad --balance or --delay is refused by the flag (coded, named) before the simulator checks its options', async () => {
  const cases: Array<[string, string]> = [
    ['--balance', '-1'],
    ['--balance', 'lots'],
    ['--balance', '9007199254740992'],
    // Field 54 carries a balance in 12 digits.
    ['--balance', '1000000000000'],
    ['--delay', 'soon'],
    ['--delay', String(MAX_REQUEST_TIMEOUT + 1)],
  ];
  for (const [flag, value] of cases) {
    await assert.rejects(simulateHostCommand(['--port', '0', flag, value]), (err: { code?: string; message: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION', `${flag} ${value}`);
      assert.match(err.message, new RegExp(flag));
      return true;
    });
  }
});

test('simulate-host – --balance is capped at 12 digits (field 54), the bound said readably; the largest is taken', async () => {
  await assert.rejects(simulateHostCommand(['--port', '0', '--balance', '1000000000000']), (err: { code?: string; message: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION');
    assert.match(err.message, /--balance must be an integer from 0 to 999,999,999,999/);
    return true;
  });
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  const listening = new Promise<string>((resolve) => io.stdout.once('data', (chunk: Buffer) => resolve(String(chunk))));
  let stop: () => void = () => undefined;
  const ran = simulateHostCommand(['--port', '0', '--balance', '999999999999'], io, { stop: new Promise<void>((resolve) => (stop = resolve)) });
  assert.match(await listening, /listening on/);
  stop();
  assert.equal(await ran, 0);
});

test('simulate-host --help – lists only the TLS flags a listener takes, and says the books live in memory only', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += String(chunk)));
  assert.equal(await simulateHostCommand(['--help'], { stdin: new PassThrough(), stdout: out, stderr: new PassThrough() }), 0);
  assert.match(text, /--tls-cert/);
  assert.doesNotMatch(text, /--tls-servername|--tls-insecure/);
  assert.match(text, /live in memory only/);
  assert.match(text, /re-sent after it gets 25/);
});
