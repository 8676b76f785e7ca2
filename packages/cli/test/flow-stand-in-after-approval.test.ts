// `iso8583 run`'s flow: a sequence that got the primary bank's approval and then failed, and an onError that asked its
// own backup link (approved) and yet answered the terminal with a stand-in approval of its own (field 38 not the
// backup's): both approvals stand, two charges (docs/flows.md). The flow logs it at warn, coded
// (ISO8583_WARN_FLOW_STAND_IN_AFTER_APPROVAL), bound to the endpoint's name, naming the STAN, the terminal and both
// links, no card data. Real sockets (two host simulators as the banks, a terminal's connector), the flow in-process,
// its sequence and onError as module files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { tempFolder, within } from '@iso8583/test-support';
import { loadFlow, startFlow } from '../src/index.js';
import { purchase } from './flow-approvals-bank.js';

test('run – onError\'s stand-in approval after its backup link approved too is logged ISO8583_WARN_FLOW_STAND_IN_AFTER_APPROVAL', async (t) => {
  const dir = tempFolder(t, 'iso8583-flow-stand-in-');
  const ports: number[] = [];
  for (let i = 0; i < 2; i++) {
    const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator() });
    ports.push((await host.start()).port);
    t.after(() => host.close());
  }
  writeFileSync(join(dir, 'primary.mjs'), `export default async function primary(message, context) {
  await context.connectors.primary.request({ ...message.fields }, { signal: context.signal });
  throw new Error('loyalty down');
}
`);
  writeFileSync(join(dir, 'stand-in.mjs'), `export default async function standIn(message, context) {
  await context.connectors.backup.request({ ...message.fields }, { signal: context.signal });
  return { ...message.fields, 0: '0210', 38: 'STAND1', 39: '00' };
}
`);
  writeFileSync(join(dir, 'flow.json'), JSON.stringify({
    name: 'stand-in',
    connectors: { primary: { host: '127.0.0.1', port: ports[0] }, backup: { host: '127.0.0.1', port: ports[1] } },
    inboundEndpoints: { pos: { port: 0, host: '127.0.0.1', sequence: join(dir, 'primary.mjs'), onError: join(dir, 'stand-in.mjs') } },
  }));
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(chunk.toString()); done(); } }));
  const running = await startFlow(loadFlow(join(dir, 'flow.json')), logger);
  t.after(() => running.abort());
  const terminal = createConnector({ host: '127.0.0.1', port: running.inbound.pos?.port as number });
  t.after(() => terminal.destroy());
  const answer = (await within(terminal.request(purchase('000693')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['38'], 'STAND1');
  // onError's verdict is told before the endpoint writes its answer: the line is there once the terminal has it.
  logger.flush();
  const warned = lines.map((l) => JSON.parse(l) as { msg: string; endpoint?: string; level: number }).filter((l) => l.msg.includes('ISO8583_WARN_FLOW_STAND_IN_AFTER_APPROVAL'));
  assert.equal(warned.length, 1, lines.join(''));
  assert.equal(warned[0]?.endpoint, 'pos');
  assert.equal(warned[0]?.level, 40, 'at warn');
  assert.match(warned[0]?.msg ?? '', /STAN 000693 terminal TERM0001 .*link backup approved it too.*sequence's \(primary\)/);
  assert.doesNotMatch(lines.join(''), /4111111111111111/);
});
