// A flow's console records numeric fields as they travelled: a sequence that sends field 11 as '301' and field 4 as
// '1000' has them left-padded on the wire (000301, 000000001000), and the console's record says so (a search by STAN
// finds it). The runner gave the ring only its approval codes: its recorder padded nothing. And a group with a 1993
// upstream: its `000` is recorded approved. Real sockets (host simulators as the banks, a terminal's connector), the
// flow in-process, its console's event stream read over HTTP.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import type { TransactionRecord } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { loadFlow, startFlow } from '../src/index.js';

/** A host simulator on 127.0.0.1 in `dialect` (closed after the test); its port. */
async function bank(t: TestContext, dialect: string): Promise<number> {
  const endpoint = createInboundEndpoint({ port: 0, host: '127.0.0.1', dialect, sequence: createHostSimulator() });
  const { port } = await endpoint.start();
  t.after(() => endpoint.close());
  return port;
}

/** The first list of the console's `recent` event at `port` that `done` accepts. */
function recentUntil(t: TestContext, port: number, done: (records: TransactionRecord[]) => boolean): Promise<TransactionRecord[]> {
  return new Promise((resolve, reject) => {
    const req = get(`http://127.0.0.1:${port}/console/events`, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        const events = text.split('\n\n');
        text = events.pop() ?? '';
        for (const e of events) {
          const [head, data] = e.split('\n');
          if (head !== 'event: recent' || data === undefined) continue;
          const records = (JSON.parse(data.slice('data: '.length)) as { items: TransactionRecord[] }).items;
          if (done(records)) resolve(records);
        }
      });
    });
    req.on('error', reject);
    t.after(() => req.destroy());
  });
}

test('flow console – a sequence\'s unpadded numeric fields are recorded as they travelled (000301), a 1993 group\'s 000 approved', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-console-padded-'));
  const port87 = await bank(t, 'iso87ascii');
  const port93 = await bank(t, 'iso93ascii');
  writeFileSync(join(dir, 'send.mjs'), `export default async function send(message, context) {
  await context.connectors.bank.request({ 0: '0200', 2: '4111111111111111', 3: '000000', 4: '1000', 7: '1204043000', 11: '301', 12: '043000', 13: '1204', 41: 'TERM0001', 49: '840' });
  await context.connectors.group93.request({ 0: '1200', 2: '4111111111111111', 3: '000000', 4: '2000', 7: '1204043000', 11: '302', 12: '261204043000', 41: 'TERM0001', 49: '840' });
  return { ...message.fields, 0: '0810', 39: '00' };
}
`);
  writeFileSync(join(dir, 'flow.json'), JSON.stringify({
    name: 'padded',
    connectors: {
      bank: { host: '127.0.0.1', port: port87 },
      bank93: { host: '127.0.0.1', port: port93, dialect: 'iso93ascii' },
    },
    upstreamGroups: { group93: { upstreams: ['bank93'] } },
    inboundEndpoints: { pos: { port: 0, host: '127.0.0.1', sequence: join(dir, 'send.mjs') } },
    http: { port: 0, host: '127.0.0.1' },
  }));
  const running = await startFlow(loadFlow(join(dir, 'flow.json')), pino({ enabled: false }));
  t.after(() => running.close());
  const terminal = createConnector({ host: '127.0.0.1', port: running.inbound.pos?.port as number, requestTimeout: 30_000 });
  t.after(() => terminal.destroy());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const echo: IsoMessage = { 0: '0800', 7: '1204043000', 11: '000900', 70: '301' };
  const answer = await within(terminal.request(echo), 30_000, 'the sequence answered');
  assert.equal(answer['39'], '00');
  const records = await within(
    recentUntil(t, running.http?.port as number, (r) => r.filter((x) => x.upstream === 'bank' || x.upstream === 'group93').length === 2),
    30_000,
    'the console listed both requests',
  );
  const sent87 = records.find((r) => r.upstream === 'bank');
  assert.equal(sent87?.stan, '000301', 'recorded as it travelled');
  assert.deepEqual([sent87?.responseCode, sent87?.outcome], ['00', 'approved'], JSON.stringify(records));
  const sent93 = records.find((r) => r.upstream === 'group93');
  assert.equal(sent93?.stan, '000302');
  assert.deepEqual([sent93?.responseCode, sent93?.outcome], ['000', 'approved']);
});
