/**
 * A stop (SIGTERM) while a flow's sequence holds the bank's approval and works on past the flow's `shutdownDeadline`
 * (`iso8583 run`, the real binary, real sockets): at the deadline the terminal's connection is closed, so the terminal
 * never gets that approval; it is reversed before the connectors close (reason `client-gone`). The bank approves the
 * purchase and stays silent on the 0400, so the reversal stays in the journal: the stop line says SAF entries are left
 * (the next start sends them), and the 0400 came to the bank once. The sequence tells on stdout when it holds the
 * approval (the test's proof that the answer reached it before the stop), then waits for its signal or 60 s. The two
 * cases run side by side (a bank, a flow and a journal of their own each): they wait out the shutdown deadline.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approve, startBank } from './helpers/bank.js';
import { stopAll } from './helpers/cli.js';
import { assertReversedOnce, startPosFlow } from './helpers/pos-flow.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-shutdown-held-'));

// The approval, then 60 s more work (a loyalty call...), cut short by the context's signal, as the docs ask.
writeFileSync(join(work, 'slow.mjs'), `export default async function slow(message, context) {
  const answer = await context.connectors.bank.request({ ...message.fields }, { signal: context.signal });
  process.stdout.write('sequence holds ' + answer[39] + '\\n');
  await new Promise((resolve) => {
    const t = setTimeout(resolve, 60000);
    t.unref();
    context.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
  return answer;
}
`);
writeFileSync(join(work, 'on-error.mjs'), `export default function onError(message) {
  return { ...message.fields, 0: '0210', 39: '96' };
}
`);

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('a stop while a sequence holds an approval past shutdownDeadline', { concurrency: true }, () => {
  for (const withOnError of [false, true]) {
    test(`iso8583 run – SIGTERM while a sequence${withOnError ? ' (with onError)' : ''} holds an approval past shutdownDeadline: the approval is reversed, the stop says what is left`, async () => {
      const bank = await startBank((r) => (r['0'] === '0200' ? approve(r) : undefined));
      const name = withOnError ? 'held-onerror' : 'held-plain';
      const journal = join(work, `${name}-journal`);
      const pos: Record<string, unknown> = { sequence: join(work, 'slow.mjs'), sequenceTimeout: 45_000, ...(withOnError ? { onError: join(work, 'on-error.mjs') } : {}) };
      const { flow, pos: posAddress } = await startPosFlow(work, name, bank.port, pos, { shutdownDeadline: 1000, logLevel: 'info' });
      const client = await PosClient.open(posAddress.host, posAddress.port);
      const answered = client.request(purchase('TERMHELD', 730001, 4200, '4761739001010010'), 30_000).then(
        () => 'answered',
        (err: Error) => err.message,
      );
      await flow.waitForLine(/^sequence holds 00/, 20_000);
      flow.kill('SIGTERM');
      const exit = await flow.exited;
      assert.match(await answered, /connection closed/, 'the terminal never got the approval');
      const logged = flow.stdout() + flow.stderr();
      assert.equal(exit.code, 0, logged);
      assertReversedOnce(journal, bank.received, '730001', logged);
      assert.match(logged, /an approval could not be delivered \(the client has gone\): reversed/);
      assert.match(logged, new RegExp(`flow ${name} stopped with SAF entries left in the journal`));
      assert.ok(!logged.includes('4761739001010010'), 'no PAN in the log');
      await client.close();
      await bank.close();
    });
  }
});
