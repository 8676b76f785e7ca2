// An ISO 8583:2003 request (MTI version digit 2: jPOS CMF's 2100, 2200, whose cmf.xml the importer loads) cannot be
// reversed (the reversal builder knows 0xxx and 1xxx) nor its answer's result codes read (4 digits in CMF). Sent by a
// connector with reversal on, one that timed out and was approved late stood, never reversed (rv68g). Now: refused
// before anything is sent or held, naming its MTI and the way out; an inquiry (never reversed anyway) and any 2200
// with reversal off go as before. An answer of that edition is judged by the one rule (movedMoney), as any.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect, isKnownEdition } from '@iso8583/codec';
import { isReversible, isUnreversibleEdition, movedMoney } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { receivedLines } from './helpers/reversals.js';
import { failure } from './helpers/failure.js';

test('with reversal on, a 2200 / 2100 / 2201 is refused before it is sent (ISO8583_ERR_CONNECTOR_INPUT, field 0); an inquiry 2200 and a 0200 go', async (t) => {
  const dir = tempDir(t, 'unreversible-edition');
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    requestTimeout: 10_000,
    transactionLog: false,
    reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 },
  });
  await connector.connect();
  for (const [mti, stan] of [['2200', '068201'], ['2100', '068202'], ['2201', '068203']] as const) {
    const err = await failure(connector.request({ ...purchase(stan), '0': mti }));
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_INPUT', `${mti} refused`);
    assert.equal(err.sent, 'no');
    assert.match(err.message, new RegExp(`^0: a ${mti} is not sent while reversal is on: .* send it as a 0${mti.slice(1)} or 1${mti.slice(1)}, or through a connector with reversal off`));
    assert.doesNotMatch(err.message, /4111111111111111/, 'no card number in the text');
  }
  // An inquiry moves no money (never journaled nor reversed): sent. A 0200 is journaled and sent as ever.
  const inquiry = await connector.request({ ...purchase('068204'), '0': '2200', '3': '310000' });
  assert.equal(inquiry['0'], '2210');
  const paid = await connector.request(purchase('068205'));
  assert.equal(paid['0'], '0210');
  await connector.close();
  assert.deepEqual(receivedLines(peer.received), ['2200 068204', '0200 068205']);
});

test('with reversal off, a 2200 is sent and answered as before', async (t) => {
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { requestTimeout: 10_000, transactionLog: false });
  await connector.connect();
  const answered = await connector.request({ ...purchase('068211'), '0': '2200' });
  assert.equal(answered['0'], '2210');
  await connector.close();
  assert.deepEqual(receivedLines(peer.received), ['2200 068211']);
});

test('the unreversible edition rule: reversible classes of a version digit other than 0 and 1', () => {
  for (const mti of ['2100', '2101', '2200', '2201', '9200']) assert.equal(isUnreversibleEdition(mti), true, mti);
  for (const mti of ['0200', '1200', '2120', '2220', '2400', '2800', '2210', '220']) assert.equal(isUnreversibleEdition(mti), false, mti);
  assert.equal(isReversible('2200'), false, 'still not reversible: refused, not reversed');
});

test('an answer of another edition (2210) is judged by the same rule as any: a decline moved no money, the dialect\'s own codes are read (sr68j #1)', () => {
  const d87 = getDialect('iso87ascii');
  const original = { '0': '2200', '3': '000000' };
  // CMF's 1002 (declined) and a 05: no approval. Before, any 2210 was taken as one that may have moved money.
  for (const code of ['1002', '05', '0005']) assert.equal(movedMoney(d87, original, { '0': '2210', '39': code }), false, `2210 39=${code}`);
  assert.equal(movedMoney(d87, original, { '0': '2210', '39': '00' }), true, "a 1987 approval code in a 2210");
  // A dialect naming its own codes (a CMF endpoint's approvalCodes) is heard.
  const cmf = { ...d87, approvalCodes: ['0000'] };
  assert.equal(movedMoney(cmf, original, { '0': '2210', '39': '0000' }), true, 'approvalCodes named');
  assert.equal(movedMoney(cmf, original, { '0': '2210', '39': '1002' }), false);
  assert.equal(movedMoney(cmf, { '0': '2200', '3': '310000' }, { '0': '2210', '39': '0000' }), false, 'an inquiry moves no money');
  // Known editions unchanged.
  assert.equal(movedMoney(getDialect('iso93ascii'), { '0': '1200', '3': '000000' }, { '0': '1210', '39': '002' }), true);
  assert.equal(movedMoney(d87, { '0': '0200', '3': '000000' }, { '0': '0210', '39': '05' }), false);
});

test('isKnownEdition: version digit 0 or 1 of a four-digit MTI, one home of the rule', () => {
  for (const mti of ['0200', '1200', '0800', '1814']) assert.equal(isKnownEdition(mti), true, mti);
  for (const mti of ['2200', '3200', '9200', '020', 'x200', undefined, 200]) assert.equal(isKnownEdition(mti), false, String(mti));
  for (const mti of ['3100', '8201', '9200']) assert.equal(isUnreversibleEdition(mti), true, mti);
});
