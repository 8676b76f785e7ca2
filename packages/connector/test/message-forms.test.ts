// sendMessage answers in the form it was given: ISOMessage XML -> XML, JSON text -> JSON text, object -> object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromXml } from '@iso8583/codec';
import { createConnector } from '../src/index.js';
import { answer, startPeer } from './peer.js';

const XML = `<ISOMessage><data>
  <field id="0">0200</field><field id="3">000000</field><field id="4">000000001000</field>
  <field id="11">618160</field><field id="41">00992468</field>
</data></ISOMessage>`;

test('sendMessage – XML in, XML out; JSON in, JSON out; object in, object out', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message, { '38': 'AB1234' })));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 2000 });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const xml = await connector.sendMessage(XML);
  assert.equal(typeof xml, 'string');
  const fromHost = fromXml(xml).message;
  assert.equal(fromHost['0'], '0210');
  assert.equal(fromHost['11'], '618160');
  assert.equal(fromHost['38'], 'AB1234');

  const json = await connector.sendMessage(JSON.stringify({ '0': '0200', '3': '000000', '4': 2500, '11': '618161', '41': '00992468' }));
  const parsed = JSON.parse(json) as Record<string, string>;
  assert.equal(parsed['0'], '0210');
  assert.equal(parsed['4'], '000000002500');

  const object = await connector.sendMessage({ '0': '0200', '3': '000000', '4': 1, '11': 618162, '41': '00992468' });
  assert.equal(object['11'], '618162');
  assert.equal(object['39'], '00');
});

test('sendMessage – an invalid message is refused before sending, naming every offending field', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await assert.rejects(
    connector.sendMessage({ '0': '0200', '3': 'ABC', '4': '1234567890123', '11': '1', '41': '00992468' }),
    (err: { code: string; problems: { field: string }[] }) => {
      assert.equal(err.code, 'ISO8583_ERR_INVALID_MESSAGE');
      const fields = err.problems.map((p) => p.field);
      assert.ok(fields.includes('3') && fields.includes('4'));
      return true;
    },
  );
  await assert.rejects(connector.sendMessage('<ISOMessage><data><field id="x">1</field></data></ISOMessage>'), (err: { code: string }) =>
    err.code.startsWith('ISO8583_ERR_'),
  );
  assert.equal(peer.received.length, 0);
});

test('sendMessage – an MTI given as a number is padded; a field 0 carrying anything else never reaches stats or errors', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const response = await connector.sendMessage({ '0': 800, '7': '1121103000', '11': '000777', '70': '301' });
  assert.equal(response['0'], '0810');
  await assert.rejects(connector.sendMessage({ '0': '4111111111111111', '11': '000778' }), (err: Error) => {
    assert.doesNotMatch(JSON.stringify(err) + err.message, /4111111111111111/);
    return true;
  });
  assert.deepEqual(Object.keys(connector.stats().byMti).sort(), ['0800', 'invalid']);
  assert.doesNotMatch(await connector.registry.metrics(), /4111111111111111/);
});
