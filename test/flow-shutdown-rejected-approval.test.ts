/**
 * A stop (SIGTERM) while a flow's sequence holds the bank's approval and then rejects as the close gives up on it (a
 * second call given `context.signal`, which the close aborts with ISO8583_ERR_INBOUND_CLOSED): the terminal's
 * connection is closed, so its approval is reversed once, as client-gone, and onError is not started (it would send
 * again through the bank for a terminal that is gone, an approval no one reverses). Before, the rejection went to
 * onError with a signal nothing aborted, and the book took the close for a timeout (`sequence-timeout`). Real binary,
 * real sockets; the sequence tells on stdout when it holds the approval.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approve, startBank } from './helpers/bank.js';
import { stopAll } from './helpers/cli.js';
import { assertReversedOnce, startPosFlow } from './helpers/pos-flow.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-shutdown-rejected-'));

// The approval, then a second call (a loyalty service) that rejects when the signal aborts, as a connector request does.
writeFileSync(join(work, 'slow.mjs'), `export default async function slow(message, context) {
  const answer = await context.connectors.bank.request({ ...message.fields }, { signal: context.signal });
  process.stdout.write('sequence holds ' + answer[39] + '\\n');
  await new Promise((_resolve, reject) => {
    context.signal?.addEventListener('abort', () => reject(context.signal.reason), { once: true });
  });
  return answer;
}
`);
// A backup link: what onError would send is an approval of its own.
writeFileSync(join(work, 'on-error.mjs'), `export default async function onError(message, context) {
  process.stdout.write('onError called\\n');
  return context.connectors.bank.request({ ...message.fields }, { signal: context.signal });
}
`);

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

test('iso8583 run – SIGTERM while a sequence holds an approval and rejects at the close: reversed once as client-gone, onError not started', async () => {
  const bank = await startBank((r) => (r['0'] === '0200' || r['0'] === '0400' ? approve(r) : undefined));
  const pos: Record<string, unknown> = { sequence: join(work, 'slow.mjs'), sequenceTimeout: 45_000, onError: join(work, 'on-error.mjs') };
  const { flow, pos: posAddress } = await startPosFlow(work, 'rejected', bank.port, pos, { shutdownDeadline: 1000, logLevel: 'info' });
  const client = await PosClient.open(posAddress.host, posAddress.port);
  const answered = client.request(purchase('TERMREJ1', 730002, 4200, '4761739001010010'), 30_000).then(
    () => 'answered',
    (err: Error) => err.message,
  );
  await flow.waitForLine(/^sequence holds 00/, 20_000);
  flow.kill('SIGTERM');
  const exit = await flow.exited;
  assert.match(await answered, /connection closed/, 'the terminal never got the approval');
  const logged = flow.stdout() + flow.stderr();
  assert.equal(exit.code, 0, logged);
  assert.ok(!logged.includes('onError called'), `onError is not started for a sequence the close gave up on: ${logged}`);
  assert.equal(bank.received.filter((r) => r['0'] === '0200').length, 1, 'one purchase at the bank');
  assert.equal(logged.match(/an approval could not be delivered \(the client has gone\): reversed/g)?.length, 1, logged);
  // Reversed once at the bank: sent at most once, and sent or kept in the journal for the next start.
  assertReversedOnce(join(work, 'rejected-journal'), bank.received, '730002', logged);
  assert.ok(!logged.includes('an approval came after the POS timeout'), 'not taken for a timeout');
  assert.ok(!logged.includes('4761739001010010'), 'no PAN in the log');
  await client.close();
  await bank.close();
});
