// A 1993 dialect whose field 39 has 2 characters (a network on 1993 MTIs that kept the 1987 response codes) speaks
// 1987 codes in every answer a part makes itself (the codec's one rule, `responseCodeIn`): the connector accepts the
// host simulator's `00` to its 1804 sign-on (it wanted 800 or 000), and the gateway's own failure answer (91, not
// 907: unpackable in an 2) reaches the terminal. Real sockets on 127.0.0.1, the real gateway binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialectFromJson } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { reservePort, within } from '@iso8583/test-support';
import { startGateway } from './helpers/gateway-process.js';

const FILE = { name: 'iso93-rc2', extends: 'iso93ascii', approvalCodes: ['00'], fields: { '39': { name: 'RESPONSE CODE', type: 'an', length: 2 } } };
const DIALECT: Dialect = dialectFromJson(FILE);

test('1987 codes in a 1993 dialect – the connector signs on to the host simulator, which answers its 1804 with 00', async (t) => {
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', dialect: DIALECT, sequence: createHostSimulator({ dialect: DIALECT }) });
  const { port } = await host.start();
  t.after(() => host.close());
  const bank = createConnector({ host: '127.0.0.1', port, dialect: DIALECT, signOn: true });
  t.after(() => bank.destroy());
  await within(bank.connect(), 10_000, 'the sign-on was not accepted');
  const answer = await within(bank.request({ 0: '1200', 2: '4111111111111111', 3: '000000', 4: '000000000100', 11: '000001', 12: '261205013000', 41: 'TERM0001', 49: '840' }), 10_000, 'no answer');
  assert.equal(answer['39'], '00');
});

test('1987 codes in a 1993 dialect – the gateway\'s own failure answer (upstream down: 91) reaches the terminal', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-rc2-'));
  const file = join(dir, 'dialect.json');
  writeFileSync(file, JSON.stringify(FILE));
  const gone = await reservePort();
  t.after(() => gone.release());
  const { pos: port } = await startGateway(t, ['--upstream', `127.0.0.1:${gone.port}`, '--dialect', file, '--listen', '0', '--bind', '127.0.0.1', '--http', '0', '--reversal-journal', join(dir, 'journal'), '--log-level', 'silent']).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const terminal = createConnector({ host: '127.0.0.1', port, dialect: DIALECT });
  t.after(() => terminal.destroy());
  // After the gateway's own hook (hooks run in order): its journal folder is removed once it stopped.
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const answer = await within(terminal.request({ 0: '1200', 2: '4111111111111111', 3: '000000', 4: '000000000100', 11: '000002', 12: '261205013000', 41: 'TERM0001', 49: '840' }), 20_000, 'the terminal got no answer');
  assert.equal(answer['0'], '1210');
  assert.equal(answer['39'], '91');
});
