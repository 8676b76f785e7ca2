// A flow's sequence that sends through one of a group's members (`context.connectors.GROUP.connectors.get(NAME)`)
// during a stop past its deadline: the stop's give-up (gateway/stop-abort.ts) reaches it as it reaches the group
// itself, so the purchase still at the bank is given up at the deadline (onError answers the terminal 68 while it is
// still connected) and reversed at the bank. Before, StopAbort wrapped only the connectors and groups the flow
// records, not a group's members: the send went on waiting for the bank (its 60 s wait) and the terminal's connection
// was cut with no answer. Real sockets (a bank endpoint that holds the purchase until the test ends, the flow's
// connector with its journal, a terminal's connector), the flow in-process, the example onError compiled; the stop
// begins once the bank has the purchase (a gate, no sleep). The sequence does not pass its own signal (which the
// endpoint's close would abort): only the stop's give-up can end the send.
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

test('flow stop past its deadline – a send through a group member is given up (onError answers 68) and reversed at the bank', async (t) => {
  const dir = tempFolder(t, 'iso8583-flow-stop-member-');
  // The purchase held until the test ends; the reversal answered. What the bank receives is recorded (MTI and field 90).
  const { port: bankPort, atBank, reversedAtBank, received } = await holdingBank(t, '000812');
  writeFileSync(join(dir, 'member.mjs'), `export default async function member(message, context) {
  return context.connectors.routed.connectors.get('bank').request({ ...message.fields });
}
`);
  const journalDir = join(dir, 'journal');
  writeFileSync(join(dir, 'flow.json'), JSON.stringify({
    name: 'stopping',
    connectors: { bank: { host: '127.0.0.1', port: bankPort, requestTimeout: 60_000, reversal: { enabled: true, journalDir } } },
    upstreamGroups: { routed: { upstreams: ['bank'] } },
    inboundEndpoints: {
      pos: {
        port: 0,
        host: '127.0.0.1',
        sequence: join(dir, 'member.mjs'),
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
  const answered = terminal.request(purchase('000812')).then((answer) => answer, (err: { code?: string }) => String(err.code));
  await within(atBank, 10_000, 'the bank never got the purchase');
  const stopped = within(running.close().then(() => 'stopped', (err: { code?: string }) => String(err.code)), 30_000, 'the stop did not end');
  const answer = await within(answered, 30_000, 'the terminal got no outcome');
  assert.equal(typeof answer, 'object', `the terminal got an answer, not ${String(answer)}`);
  assert.equal((answer as Record<string, unknown>)['39'], '68', 'written to the bank, given up at the deadline: 68');
  assert.equal((answer as Record<string, unknown>)['11'], '000812');
  assert.equal(await stopped, 'stopped');
  // The journal holds the 0400 from before the purchase left: the bank itself must receive the reversal of 000812.
  await within(reversedAtBank, 30_000, `the bank never got the reversal of 000812; it got ${received.join(', ')}`);
  logger.flush();
  assert.doesNotMatch(lines.join(''), /4111111111111111/);
});
