// onError that sends the same purchase again to the same bank (same STAN and terminal: the bank's duplicate check
// answers it with the approval it gave the sequence) and then answers the terminal with a decline: both books hold
// that one transaction's approval and both are to be reversed, but the bank must get one reversal of it, not two (the
// connector does not merge a second reversal of the same STAN and terminal: the flow's books must hand over one).
// Real sockets (a host simulator as the bank, recording what it receives; the flow's connector with its journal; a
// terminal's connector), the flow in-process; the stop (which sends what the SAF queue holds) is the settle point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { Sequence } from '@iso8583/inbound';
import { tempFolder, within } from '@iso8583/test-support';
import { loadFlow, startFlow } from '../src/index.js';
import { gate, purchase } from './flow-approvals-bank.js';

test('run – onError repeats the purchase and declines: the bank gets one reversal of the one transaction', async (t) => {
  const dir = tempFolder(t, 'iso8583-flow-repeat-once-');
  const received: string[] = [];
  const reversedAtBank = gate();
  const simulator = createHostSimulator();
  const bankSequence: Sequence = (message, context) => {
    received.push(`${message.mti} ${String(message.fields['11'] ?? '')}`);
    if (message.mti === '0400') reversedAtBank.open();
    return simulator(message, context);
  };
  const bank = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: bankSequence });
  const bankPort = (await bank.start()).port;
  t.after(() => bank.close());
  writeFileSync(join(dir, 'primary.mjs'), `export default async function primary(message, context) {
  await context.connectors.bank.request({ ...message.fields }, { signal: context.signal });
  throw new Error('loyalty down');
}
`);
  writeFileSync(join(dir, 'again.mjs'), `export default async function again(message, context) {
  await context.connectors.bank.request({ ...message.fields }, { signal: context.signal });
  return { ...message.fields, 0: '0210', 39: '05' };
}
`);
  const journalDir = join(dir, 'journal');
  writeFileSync(join(dir, 'flow.json'), JSON.stringify({
    name: 'repeat',
    connectors: { bank: { host: '127.0.0.1', port: bankPort, reversal: { enabled: true, journalDir } } },
    inboundEndpoints: { pos: { port: 0, host: '127.0.0.1', sequence: join(dir, 'primary.mjs'), onError: join(dir, 'again.mjs') } },
  }));
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(chunk.toString()); done(); } }));
  const running = await startFlow(loadFlow(join(dir, 'flow.json')), logger);
  t.after(() => running.abort());
  const terminal = createConnector({ host: '127.0.0.1', port: running.inbound.pos?.port as number });
  t.after(() => terminal.destroy());
  const answer = (await within(terminal.request(purchase('000695')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '05');
  await within(reversedAtBank.opened, 30_000, `the bank never got a reversal; it got ${received.join(', ')}`);
  await terminal.destroy();
  await within(running.close(), 30_000, 'the stop did not end');
  assert.deepEqual(received.filter((r) => r.startsWith('04')), ['0400 000695'], `one reversal: the bank got ${received.join(', ')}`);
});
