// A graceful stop of a flow (SIGTERM, `RunningFlow.close()`) whose deadline passes while a purchase is still at the
// bank: as the gateway does (gateway/stop-abort.ts), the request is given up at the deadline while the terminal is still
// connected, so that the flow's onError (the example's `upstreamFailureCode`) answers it 68 (written: reversed), and only
// STOP_ANSWER_GRACE later are the connections cut. Before, the endpoint destroyed the terminal's connection at the
// deadline (CONNECTION_LOST, no answer) and only then gave up the sequence. The flow warns at start that its deadline is
// shorter than the bank's wait (ISO8583_WARN_SHUTDOWN_DEADLINE). Real sockets (a bank endpoint that holds the purchase
// until the test ends, the flow's connector with its journal, a terminal's connector), the flow in-process, the
// example onError compiled; the stop begins once the bank has the purchase (a gate, no sleep).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createConnector } from '@iso8583/connector';
import { repoRoot, tempFolder, within } from '@iso8583/test-support';
import { loadFlow, startFlow } from '../src/index.js';
import { holdingBank, purchase } from './flow-approvals-bank.js';

test('flow stop past its deadline – the purchase still at the bank is answered 68 by onError before the connection is cut, and reversed', async (t) => {
  const dir = tempFolder(t, 'iso8583-flow-stop-answers-');
  // The purchase held until the test ends; the reversal answered. What the bank receives is recorded (MTI and field 90).
  const { port: bankPort, atBank, reversedAtBank, received } = await holdingBank(t, '000811');
  writeFileSync(join(dir, 'forward.mjs'), `export default async function forward(message, context) {
  return context.connectors.bank.request({ ...message.fields }, { signal: context.signal });
}
`);
  const journalDir = join(dir, 'journal');
  writeFileSync(join(dir, 'flow.json'), JSON.stringify({
    name: 'stopping',
    connectors: { bank: { host: '127.0.0.1', port: bankPort, requestTimeout: 60_000, reversal: { enabled: true, journalDir } } },
    inboundEndpoints: {
      pos: {
        port: 0,
        host: '127.0.0.1',
        sequence: join(dir, 'forward.mjs'),
        onError: join(repoRoot(), 'examples', 'dist', 'sequences', 'on-error.js'),
        sequenceTimeout: 60_000,
      },
    },
    shutdownDeadline: 300,
  }));
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(chunk.toString()); done(); } }));
  const running = await startFlow(loadFlow(join(dir, 'flow.json')), logger);
  t.after(() => running.abort());
  const terminal = createConnector({ host: '127.0.0.1', port: running.inbound.pos?.port as number, requestTimeout: 60_000 });
  t.after(() => terminal.destroy());
  const answered = terminal.request(purchase('000811')).then((answer) => answer, (err: { code?: string }) => String(err.code));
  await within(atBank, 10_000, 'the bank never got the purchase');
  const stopped = within(running.close().then(() => 'stopped', (err: { code?: string }) => String(err.code)), 30_000, 'the stop did not end');
  const answer = await within(answered, 30_000, 'the terminal got no outcome');
  assert.equal(typeof answer, 'object', `the terminal got an answer, not ${String(answer)}`);
  assert.equal((answer as Record<string, unknown>)['39'], '68', 'written to the bank: 68 (response received too late)');
  assert.equal((answer as Record<string, unknown>)['11'], '000811');
  assert.equal(await stopped, 'stopped');
  logger.flush();
  const logged = lines.join('');
  assert.match(logged, /ISO8583_WARN_SHUTDOWN_DEADLINE: shutdownDeadline 300 is shorter than connectors\.bank\.requestTimeout 60000/);
  // The journal holds the 0400 from before the purchase left (connector/src/reversal.ts), so it proves nothing: the
  // bank itself must receive the reversal of STAN 000811 (field 90: original MTI 0200, STAN 000811).
  await within(reversedAtBank, 30_000, `the bank never got the reversal of 000811; it got ${received.join(', ')}`);
  assert.doesNotMatch(logged, /4111111111111111/);
});
