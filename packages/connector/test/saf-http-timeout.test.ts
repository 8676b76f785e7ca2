// `?timeout=` with `saf` (the plugin's routes): a malformed or out-of-range value is refused (400 naming `timeout`)
// before anything is stored, as without `saf`, on every route (JSON, XML, /raw): never silently ignored. A valid one
// is accepted and unused (the message is stored, not awaited). A real journal, a real Fastify server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { IsoMessage } from '@iso8583/codec';
import { iso8583Connector } from '../src/index.js';
import type { Connector } from '../src/index.js';
import { downPort, tempDir } from './helpers/setup.js';

function advice(stan: string): IsoMessage {
  return { '0': '0220', '3': '000000', '4': '000000002500', '7': '1121103000', '11': stan, '41': 'TERM0001', '49': '840' };
}

test('routes – ?timeout= with saf: a bad one is refused 400 naming timeout and nothing is stored; a valid one is stored', async (t) => {
  const app = Fastify();
  // The bank is down: what is stored stays in the SAF queue, counted by its depth.
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: await downPort(t), routes: {}, saf: { enabled: true, journalDir: tempDir(t, 'saf-timeout') } });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const bank = app.iso8583['bank'] as Connector;
  const post = async (path: string, body: string, type = 'application/json'): Promise<[number, string]> => {
    const r = await fetch(`${address}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
    return [r.status, await r.text()];
  };
  const xml = (stan: string): string => `<ISOMessage><data>${Object.entries(advice(stan)).map(([id, v]) => `<field id="${id}">${String(v)}</field>`).join('')}</data></ISOMessage>`;
  const hex = (stan: string): string => JSON.stringify({ hex: bank.codec.pack(advice(stan)).toString('hex') });
  const refused = [
    await post('/?saf=true&timeout=abc', JSON.stringify(advice('300001'))),
    await post('/?timeout=-1', JSON.stringify({ ...advice('300002'), saf: true })),
    await post('/raw?saf=true&timeout=2147483648', hex('300003')),
    await post('/?saf=true&timeout=0', xml('300004'), 'application/xml'),
    await post('/?saf=true&timeout=1&timeout=2', JSON.stringify(advice('300005'))),
  ];
  for (const [status, text] of refused) {
    assert.equal(status, 400, text);
    assert.match(text, /ISO8583_ERR_CONNECTOR_OPTIONS/);
    assert.match(text, /timeout/);
  }
  assert.equal(bank.stats().safDepth, 0, 'a request refused for its timeout was stored');
  const [status, text] = await post('/?saf=true&timeout=5000', JSON.stringify(advice('300006')));
  assert.equal(status, 202, text);
  assert.equal(bank.stats().safDepth, 1);
});
