// Under the smartvista dialect the echo test and the sign-on are SmartVista 0800s: 3, 24 (831, 801) and 41, no field 70.
// A host's own 0800 is answered, and logged with its card data masked whatever the dialect lets its fields carry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialectFromJson } from '@iso8583/codec';
import { answer } from './peer.js';
import { capturedLogger, peerAndConnector } from './helpers/setup.js';

const CARD = '4111111111111111';

const SV = { dialect: 'smartvista', framing: { lengthHeader: 'ascii4' as const } };

test('smartvista network management – the echo test is 0800 with 3 = 990000, 24 = 831, 41, and no 70; 000 accepts it', async (t) => {
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message, { '39': '000' })), {
    dialect: 'smartvista', frame: 'ascii4', echoInterval: 50,
  }, SV);
  await connector.connect();
  const [first] = await peer.waitFor(1);
  const m = first?.message ?? {};
  assert.deepEqual([m['0'], m['3'], m['24'], m['41'], m['70']], ['0800', '990000', '831', '00000000', undefined]);
  assert.match(String(m['7']), /^\d{10}$/);
  assert.match(String(m['11']), /^\d{6}$/);
});

test('smartvista network management – the sign-on is 0800 with 24 = 801, accepted with 000', async (t) => {
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message, { '39': '000' })), {
    dialect: 'smartvista', frame: 'ascii4', signOn: true,
  }, SV);
  await connector.connect();
  const [first] = await peer.waitFor(1);
  assert.deepEqual([first?.message['0'], first?.message['24'], first?.message['70']], ['0800', '801', undefined]);
});

test('smartvista network management – the bank\'s own 0800 is answered as SocketQueue answered it: 7 now, 37 made, no 24 and 42', async (t) => {
  let answered: (m: Record<string, unknown>) => void = () => undefined;
  const reply = new Promise<Record<string, unknown>>((resolve) => (answered = resolve));
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (r.message['0'] === '0810') answered(r.message);
    else p.send(r.socket, answer(r.message, { '39': '000' }));
  }, { dialect: 'smartvista', frame: 'ascii4', signOn: true }, SV);
  await connector.connect();
  const [first] = await peer.waitFor(1);
  // The bank's echo test as SocketQueue's probe sent it (probe-host-echo): 3, an old 7, 11, 24, 41, 42.
  peer.send(first!.socket, { '0': '0800', '3': '000000', '7': '0607161700', '11': '123456', '24': '831', '41': '00123456', '42': '123567890124567' });
  const m = await reply;
  assert.deepEqual([m['0'], m['3'], m['11'], m['39'], m['41']], ['0810', '000000', '123456', '000', '00123456']);
  assert.equal(m['24'], undefined);
  assert.equal(m['42'], undefined);
  assert.match(String(m['7']), /^\d{10}$/);
  assert.notEqual(m['7'], '0607161700', 'field 7 is the answer\'s own transmission time');
  assert.match(String(m['37']), /^\d{12}$/);
});

test('network management – the debug line of an answered 0800 masks card data a dialect\'s own 11 and 70 carry', async (t) => {
  // A dialect whose 11 and 70 are free text (ans..19, ans..99): a host may put anything there.
  const dialect = dialectFromJson({ name: 'free-nm', extends: 'iso87ascii', fields: {
    '11': { type: 'ans', length: 19, prefix: { digits: 2, encoding: 'ascii' } },
    '70': { type: 'ans', length: 99, prefix: { digits: 2, encoding: 'ascii' } },
  } });
  const { logger, lines, text } = capturedLogger('debug');
  let answered: () => void = () => undefined;
  const replied = new Promise<void>((resolve) => (answered = resolve));
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (r.message['0'] === '0810') answered();
    else p.send(r.socket, answer(r.message));
  }, { dialect, logger, signOn: true }, { dialect });
  await connector.connect();
  const [signOn] = await peer.waitFor(1);
  peer.send(signOn!.socket, { '0': '0800', '11': CARD, '70': `301;PAN=${CARD}=2512101123` });
  await replied;
  const line = lines.find((l) => l['msg'] === 'answered a network management request');
  assert.ok(line !== undefined, 'the debug line');
  assert.equal(line['mti'], '0810');
  assert.equal(line['stan'], '411111******1111');
  assert.equal(line['info'], '301;PAN=411111******1111=**********');
  assert.ok(!text().includes(CARD) && !text().includes('2512101123'), text());
});
