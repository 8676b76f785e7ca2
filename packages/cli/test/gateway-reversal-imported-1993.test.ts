// The gateway binary with a jPOS 1993 packager file as its dialect (iso93ebcdic-custom.xml): a terminal's 1200 that
// the host leaves unanswered is reversed upstream with a 1420 carrying field 56 (24 = 400, 25 = 4021), not with a
// 0400 whose 1987 field 90 cannot pack in that packager. Real sockets on 127.0.0.1, the real gateway binary.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageStream, createCodec, resolveDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { vectorPath, within } from '@iso8583/test-support';
import { startGateway as startGatewayProcess } from './helpers/gateway-process.js';

const PACKAGER = vectorPath('jpos/packagers/iso93ebcdic-custom.xml');
const DIALECT = resolveDialect(PACKAGER);

/** Starts the gateway binary; resolves with its POS port once it says where it listens. */
async function startGateway(t: TestContext, args: string[]): Promise<number> {
  return (await startGatewayProcess(t, args)).pos;
}

test('gateway with a jPOS 1993 packager file: a 1200 the host leaves unanswered is reversed with a 1420 carrying field 56', async (t) => {
  const codec = createCodec(DIALECT);
  const received: IsoMessage[] = [];
  let gotReversal: (m: IsoMessage) => void = () => {};
  const reversal = new Promise<IsoMessage>((resolve) => (gotReversal = resolve));
  const sockets = new Set<Socket>();
  // The host: never answers a 1200, answers anything else approved (a 1420 with 400: reversal accepted).
  const host = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const stream: MessageStream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
      frame: (f) => {
        const message = stream.decode(f).message;
        received.push(message);
        if (message['0'] === '1200') return;
        if (message['0'] === '1420' || message['0'] === '1421') gotReversal(message);
        stream.send({ ...message, '0': `${String(message['0']).slice(0, 2)}30`, '39': '400' });
      },
    });
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => host.close(() => resolve()));
  });
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-gw-xml93-'));
  const port = await startGateway(t, [
    '--upstream', `127.0.0.1:${(host.address() as AddressInfo).port}`, '--dialect', PACKAGER, '--listen', '0', '--bind', '127.0.0.1', '--http', '0',
    '--request-timeout', '500', '--reversal-journal', join(dir, 'journal'), '--log-level', 'silent',
  ]).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const terminal = createConnector({ host: '127.0.0.1', port, dialect: DIALECT, requestTimeout: 20_000 });
  t.after(() => terminal.destroy());
  // After the gateway's own hook (hooks run in order): its journal folder is removed once it stopped.
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const purchase: IsoMessage = {
    '0': '1200', '2': '4111111111111111', '3': '000000', '4': '000000002500', '11': '000010', '12': '261205092320', '32': '123456', '41': 'TERM0001', '49': '840',
  };
  const answered = await within(terminal.request(purchase), 20_000, 'the terminal got no answer');
  assert.equal(answered['0'], '1210');
  assert.notEqual(answered['39'], '000', 'a request the host never answered is not approved');
  const sent = await within(reversal, 20_000, `the host got no reversal (it got ${received.map((m) => m['0']).join(', ')})`);
  assert.equal(sent['0'], '1420');
  assert.equal(sent['56'], '1200' + '000010' + '261205092320' + '06123456');
  assert.equal(sent['24'], '400');
  assert.equal(sent['25'], '4021');
  assert.equal(sent['90'], undefined);
});
