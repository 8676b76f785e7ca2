// The host simulator's options, checked up front, and the edition of its dialect: a message of the other edition is
// refused with the dialect's format error and moves no money.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect, isApprovalClass } from '@iso8583/codec';
import type { FieldProblem, Iso8583Error } from '@iso8583/codec';
import { createHostSimulator } from '../src/index.js';
import type { HostSimulatorOptions } from '../src/index.js';
import { startEndpoint } from './support/endpoint.js';
import { TestClient } from './support/client.js';
import { TRANSMISSION, VISA, ask, tx } from './support/simulator.js';

const MASTERCARD = '5555555555554444';

function refused(options: unknown): Iso8583Error {
  try {
    createHostSimulator(options as HostSimulatorOptions);
  } catch (err) {
    return err as Iso8583Error;
  }
  assert.fail(`accepted ${JSON.stringify(options)}`);
}

test('host simulator options – every bad option is refused up front, named, with ISO8583_ERR_INBOUND_OPTIONS', () => {
  const cases: Array<[unknown, string]> = [
    [{ journalSize: Number.NaN }, 'journalSize'],
    [{ journalSize: -1 }, 'journalSize'],
    [{ journalSize: 0 }, 'journalSize'],
    [{ journalSize: '10' }, 'journalSize'],
    [{ delay: 'soon' }, 'delay'],
    [{ delay: -1 }, 'delay'],
    [{ delay: 2 ** 31 }, 'delay'],
    [{ maxAmount: -5 }, 'maxAmount'],
    [{ maxAmount: 1.5 }, 'maxAmount'],
    [{ defaultBalance: -100 }, 'defaultBalance'],
    [{ defaultBalance: Number.POSITIVE_INFINITY }, 'defaultBalance'],
    [{ cards: [] }, 'cards'],
    [{ cards: { [VISA]: { balance: 1 }, [MASTERCARD]: { balance: 'lots' } } }, 'cards[1].balance'],
    [{ cards: { [VISA]: 5 } }, 'cards[0]'],
    [{ cards: { [VISA]: { balance: 1, expiry: '2613' } } }, 'cards[0].expiry'],
    [{ cards: { [VISA]: { balance: 1, blocked: 'no' } } }, 'cards[0].blocked'],
    [{ now: new Date() }, 'now'],
    [{ dialect: 'iso87ascii' }, 'dialect'],
    [{ checkCards: 'yes' }, 'checkCards'],
    [{ journalsize: 10 }, 'journalsize'],
  ];
  for (const [options, field] of cases) {
    const err = refused(options);
    assert.equal(err.code, 'ISO8583_ERR_INBOUND_OPTIONS', field);
    assert.deepEqual(err.problems?.map((p: FieldProblem) => p.field), [field]);
    assert.match(err.message, new RegExp(field.replace(/[[\]]/g, '\\$&')));
    assert.doesNotMatch(err.message, /5555555555554444|4111111111111111/, 'a card is named by its position, never its PAN');
  }
  const all = refused({ journalSize: Number.NaN, delay: 'soon', maxAmount: -5 });
  assert.deepEqual(all.problems?.map((p: FieldProblem) => p.field), ['maxAmount', 'delay', 'journalSize']);
  assert.equal(refused(null).code, 'ISO8583_ERR_INBOUND_OPTIONS');
  // The defaults and the documented special values are accepted.
  for (const options of [{}, { defaultBalance: null }, { maxAmount: Number.POSITIVE_INFINITY, delay: 0, journalSize: 1 }, { cards: { [VISA]: { balance: 0, expiry: '2612', blocked: true } } }]) {
    assert.equal(typeof createHostSimulator(options), 'function');
  }
});

test('host simulator – a request of the other edition is refused with a format error no reader takes for an approval and moves no money: a 1200 on a 1987 dialect 30 (904 where field 39 has 3 digits), an 0200 on a 1993 dialect 904', async () => {
  const on87 = createHostSimulator({ cards: { [VISA]: { balance: 5000 } }, dialect: getDialect('iso87ascii') });
  const reply = await ask(on87, tx('1200', '000001', 1000));
  assert.equal(reply?.['0'], '1210');
  assert.equal(reply?.['39'], '30');
  assert.equal(on87.balanceOf(VISA), 5000);
  assert.equal((await ask(on87, tx('1804', '000002', 0, { 24: '801' })))?.['39'], '30');
  const smartvista = createHostSimulator({ cards: { [VISA]: { balance: 5000 } }, dialect: getDialect('smartvista') });
  // A 1xxx answer carries 1993 action codes (the one reading of field 39: isApprovalClass given the MTI); the dialect's
  // own 030 there read as a 1993 approval.
  const svRefusal = (await ask(smartvista, tx('1200', '000003', 1000)))?.['39'];
  assert.equal(svRefusal, '904');
  assert.equal(isApprovalClass(getDialect('smartvista'), svRefusal, '1210'), false, 'read as the refusal it is');
  assert.equal(smartvista.balanceOf(VISA), 5000);
  const on93 = createHostSimulator({ cards: { [VISA]: { balance: 5000 } }, dialect: getDialect('iso93ascii') });
  const on93Refusal = (await ask(on93, tx('0200', '000004', 1000)))?.['39'];
  assert.equal(on93Refusal, '904', 'not 030: a 1993 approval class to a reader of the dialect\'s action codes');
  assert.equal(isApprovalClass(getDialect('iso93ascii'), on93Refusal, '0210'), false, 'read by the MTI, a refusal');
  assert.equal(isApprovalClass(getDialect('iso93ascii'), on93Refusal), false, 'read by the dialect, a refusal');
  assert.equal((await ask(on93, tx('1200', '000005', 1000, { 12: '261121103000' })))?.['39'], '000');
  assert.equal(on93.balanceOf(VISA), 4000);
});

test('host simulator – behind a 1987 endpoint, a 1200 is answered (1210, 30) and the card keeps its balance', async (t) => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 5000 } }, dialect: getDialect('iso87ascii') });
  const { port } = await startEndpoint(t, { sequence: sim, dialect: 'iso87ascii' });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await client.request(tx('1200', '000010', 1000));
  assert.equal(reply.fields['0'], '1210');
  assert.equal(reply.fields['39'], '30');
  assert.equal(sim.balanceOf(VISA), 5000);
});

test('host simulator options – a card number never appears in an error: a PAN given as an option or a card property is named masked', () => {
  const asOption = refused({ [VISA]: { balance: 100 } });
  assert.deepEqual(asOption.problems?.map((p: FieldProblem) => p.field), ['411111******1111']);
  const asProperty = refused({ cards: { [VISA]: { balance: 1, [MASTERCARD]: 2 } } });
  assert.deepEqual(asProperty.problems?.map((p: FieldProblem) => p.field), ['cards[0].555555******4444']);
  for (const err of [asOption, asProperty]) {
    assert.doesNotMatch(`${err.message} ${JSON.stringify(err.problems)}`, /4111111111111111|5555555555554444/);
  }
});

test('host simulator options – cards as a Map, or keyed by something that is not a card number, is refused naming the option', () => {
  const map = refused({ cards: new Map([[VISA, { balance: 1 }]]) });
  assert.deepEqual(map.problems?.map((p: FieldProblem) => p.field), ['cards']);
  assert.match(map.message, /Map/);
  for (const key of ['abc', '12345', '41111111111111111111']) {
    const err = refused({ cards: { [key]: { balance: 1 } } });
    assert.equal(err.code, 'ISO8583_ERR_INBOUND_OPTIONS');
    assert.deepEqual(err.problems?.map((p: FieldProblem) => p.field), ['cards[0]'], key);
    assert.doesNotMatch(err.message, new RegExp(key), 'named by position');
  }
  assert.equal(typeof createHostSimulator({ cards: Object.assign(Object.create(null) as object, { [VISA]: { balance: 1 } }) }), 'function');
});

test('host simulator – behind a 1993 endpoint, an 0200 and an 0800 are refused 904: a refusal by the MTI\'s reading and by the dialect\'s, and the card keeps its balance', async (t) => {
  const dialect = getDialect('iso93ascii');
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 5000 } }, dialect });
  const { port } = await startEndpoint(t, { sequence: sim, dialect: 'iso93ascii' });
  const client = await TestClient.connect(port, { dialect: 'iso93ascii' });
  t.after(() => client.destroy());
  for (const [request, mti] of [[tx('0200', '000020', 1000), '0210'], [{ 0: '0800', 7: TRANSMISSION, 11: '000021', 70: '301' }, '0810']] as const) {
    const reply = await client.request(request);
    assert.equal(reply.fields['0'], mti);
    assert.equal(reply.fields['39'], '904');
    assert.equal(isApprovalClass(dialect, reply.fields['39'], mti), false, `${mti} by its MTI`);
    assert.equal(isApprovalClass(dialect, reply.fields['39']), false, `${mti} by the dialect`);
  }
  assert.equal(sim.balanceOf(VISA), 5000);
});
