// An approval whose HTTP client has gone is handed to `onUndelivered` with its request as the upstream sent it, so that
// its reversal names that request: with `autoFill` on, the STAN (field 11) and transmission time (field 7) the
// connector filled in, not the client's message without them (a reversal whose field 90 names STAN 000000 and time
// 0000000000 matches no original at the bank, and the approval stands). A real bank peer, a real Fastify server, a
// raw socket client that leaves before the answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { IsoMessage } from '@iso8583/codec';
import { rawHttp, within } from '@iso8583/test-support';
import { iso8583Connector } from '../src/index.js';
import type { UndeliveredAnswerHandler } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerFor } from './helpers/setup.js';

const DEADLINE = 15_000;

for (const route of ['JSON', 'XML'] as const) {
  test(`routes (${route}) – an approval whose client has gone is handed over with the fields 11 and 7 autoFill gave its request`, async (t) => {
    let held: (r: Received) => void = () => undefined;
    const atBank = new Promise<Received>((resolve) => (held = resolve));
    const bank = await peerFor(t, (r) => held(r));
    let reported: (args: Parameters<UndeliveredAnswerHandler>) => void = () => undefined;
    const undelivered = new Promise<Parameters<UndeliveredAnswerHandler>>((resolve) => (reported = resolve));
    const app = Fastify();
    await app.register(iso8583Connector, {
      name: 'bank', host: '127.0.0.1', port: bank.port, autoFill: { stan: true, transmissionTime: true },
      routes: { onUndelivered: (...args) => reported(args) },
    });
    const address = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
    t.after(() => app.close());
    // The client's purchase has no STAN and no transmission time: the connector fills them in.
    const { '11': _stan, '7': _time, '35': _track, ...bare } = purchase('000000');
    const json = JSON.stringify(bare);
    const xml = `<ISOMessage><data>${Object.entries(bare).map(([id, v]) => `<field id="${id}">${String(v)}</field>`).join('')}</data></ISOMessage>`;
    const body = route === 'JSON' ? json : xml;
    const type = route === 'JSON' ? 'application/json' : 'application/xml';
    const client = rawHttp(Number(address.port));
    client.socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const r = await within(atBank, DEADLINE, 'the bank did not get the purchase');
    const sent = r.message;
    assert.match(String(sent['11']), /^\d{6}$/, 'the connector filled in the STAN');
    assert.match(String(sent['7']), /^\d{10}$/, 'the connector filled in the transmission time');
    // The client leaves; then the bank approves.
    client.socket.destroy();
    await client.closed;
    bank.send(r.socket, answer(sent));
    const [request, approval, , reason] = await within(undelivered, DEADLINE, 'the approval of a client gone was not reported');
    assert.equal(reason, 'client-gone');
    assert.equal(approval['39'], '00');
    const named: IsoMessage = request;
    assert.deepEqual([named['11'], named['7']], [sent['11'], sent['7']], 'the request handed over is the one the bank got');
  });
}
