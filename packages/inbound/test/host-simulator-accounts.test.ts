// The simulated issuer's accounts: a balance below zero in field 54, the cards opened with defaultBalance kept while
// the journal holds their transactions, and lookups that stay flat when one client reuses a STAN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { MAX_SIMULATOR_BALANCE, createHostSimulator } from '../src/index.js';
import { startEndpoint } from './support/endpoint.js';
import { TestClient } from './support/client.js';
import { VISA, ask, original, tx } from './support/simulator.js';
import { StanTerminalIndex } from '../src/host-simulator/stan-index.js';

const NOW = new Date(Date.UTC(2026, 10, 21, 10, 30, 0));

/** A balance inquiry (processing code `processing`, no amount). */
function inquiry(mti: string, stan: string, processing: string): IsoMessage {
  const fields = tx(mti, stan, 0, { 3: processing });
  delete fields['4'];
  return fields;
}

test('host simulator accounts – over a socket, a balance below zero is answered D and its absolute value in field 54, not 96', async (t) => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 1000 } }, now: () => NOW });
  const { port } = await startEndpoint(t, { sequence: sim });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(tx('0220', '000001', 6000))).fields['39'], '00', 'an advice posts without a balance check');
  assert.equal(sim.balanceOf(VISA), -5000);
  for (const [mti, processing] of [['0100', '300000'], ['0200', '310000']] as const) {
    const reply = await client.request(inquiry(mti, mti === '0100' ? '000002' : '000003', processing));
    assert.equal(reply.fields['39'], '00', mti);
    assert.equal(reply.fields['54'], `${processing.slice(2, 4)}02840D000000005000`, mti);
  }
  await client.request(tx('0200', '000004', 9000, { 3: '200000' }));
  assert.equal((await client.request(inquiry('0100', '000005', '300000'))).fields['54'], '0002840C000000004000');
});

test('host simulator accounts – a card opened with defaultBalance is kept while the journal holds its purchase; the least recently used goes', async () => {
  const [a, b, c, d] = ['4111111111111111', '5555555555554444', '4012888888881881', '6011111111111117'];
  const sim = createHostSimulator({ journalSize: 3, defaultBalance: 10000, now: () => NOW });
  let stan = 0;
  const buy = (pan: string, amount: number) => ask(sim, tx('0200', String(++stan).padStart(6, '0'), amount, { 2: pan }));
  await buy(a, 100);
  await buy(b, 100);
  await buy(a, 9000);
  const spent = stan;
  await buy(c, 100);
  await buy(d, 100);
  assert.equal(sim.balanceOf(a), 900, 'a, whose 90.00 purchase the journal holds, is kept');
  assert.equal(sim.balanceOf(b), undefined, 'b, least recently used and out of the journal, is forgotten');
  const reversal = { ...tx('0400', '000099', 9000, { 2: a }), 90: original('0200', String(spent).padStart(6, '0')) };
  assert.equal((await ask(sim, reversal))?.['39'], '00');
  assert.equal(sim.balanceOf(a), 9900, 'the reversal credits the card it was taken from');
  await buy(a, 100);
  assert.equal(sim.balanceOf(a), 9800, 'a keeps its balance');
});

test('host simulator accounts – one client reusing a STAN does not slow the shared host: a lookup visits only its STAN and terminal', () => {
  // 20,000 early reversals under one STAN, each from its own terminal, and 20,000 transmissions of another STAN from
  // one terminal: a lookup for a terminal with nothing there visits no item, one for the busy terminal only its own.
  // (Counted, not timed: speed belongs in bench/.)
  const index = new StanTerminalIndex<{ stan: string; terminal?: string; n: number; arrival: number; pair: string }>((item) => [String(item.n)]);
  for (let n = 0; n < 20000; n++) index.add({ stan: '000002', terminal: `R${n}`, n, arrival: 0, pair: '' });
  for (let n = 0; n < 20000; n++) index.add({ stan: '000001', terminal: 'T1', n, arrival: 0, pair: '' });
  let visited = 0;
  const counting = (): boolean => {
    visited++;
    return false;
  };
  assert.equal(index.latest('000002', 'X1', undefined, counting), undefined);
  assert.equal(visited, 0, 'no item of another terminal is visited');
  assert.equal(index.latest('000002', 'R7', undefined, () => (visited++, true))?.n, 7);
  assert.equal(visited, 1, 'the only item of that STAN and terminal');
  assert.equal(index.latest('000003', 'T1', undefined, counting), undefined);
  assert.equal(visited, 1, 'no item of another STAN is visited');
  assert.equal(index.latest('000001', 'T1', undefined, (item) => (visited++, item.n === 19999))?.n, 19999, 'the latest first');
  assert.equal(visited, 2);
  // Within the busy STAN and terminal, a lookup by exact key visits only the items under it: the oldest at once.
  assert.equal(index.latest('000001', 'T1', ['0', 'none'], (item) => (visited++, item.n === 0))?.n, 0);
  assert.equal(visited, 3, 'one item visited, not 20,000');
  assert.equal(index.latest('000001', 'T1', ['none'], counting), undefined);
  assert.equal(visited, 3, 'a key nothing is under: no item visited');
});

test('host simulator accounts – a STAN and terminal index forgets its items and keys as they leave (memory stays flat)', () => {
  type Item = { stan: string; terminal?: string; n: number; arrival: number; pair: string };
  const index = new StanTerminalIndex<Item>((item) => [String(item.n % 3)]);
  const items: Item[] = [];
  for (let n = 0; n < 50; n++) {
    const item = { stan: '000001', terminal: 'T1', n, arrival: 0, pair: '' };
    items.push(item);
    index.add(item);
  }
  // The latest under either key: n = 49 (49 % 3 = 1) is later than 48 (0).
  assert.equal(index.latest('000001', 'T1', ['0', '1'], () => true)?.n, 49);
  for (const item of items.slice(0, 49)) index.remove(item);
  assert.equal(index.latest('000001', 'T1', ['0'], () => true), undefined, 'the items under key 0 are gone');
  assert.equal(index.latest('000001', 'T1', ['1'], () => true)?.n, 49);
  index.remove(items[49]!);
  assert.equal(index.latest('000001', 'T1', undefined, () => true), undefined, 'the STAN and terminal are forgotten');
});

test('host simulator accounts – a refund that would take the balance past MAX_SIMULATOR_BALANCE is declined 13, nothing moves', async () => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: MAX_SIMULATOR_BALANCE - 500 } }, now: () => NOW });
  assert.equal((await ask(sim, tx('0200', '000001', 1000, { 3: '200000' })))?.['39'], '13', 'invalid amount: over the 12 digits field 54 carries');
  assert.equal(sim.balanceOf(VISA), MAX_SIMULATOR_BALANCE - 500);
  assert.equal((await ask(sim, tx('0200', '000002', 500, { 3: '200000' })))?.['39'], '00', 'up to the cap');
  assert.equal(sim.balanceOf(VISA), MAX_SIMULATOR_BALANCE);
  // The balance still fits field 54.
  assert.equal((await ask(sim, tx('0200', '000003', 0, { 3: '300000' })))?.['54'], `0002840C${MAX_SIMULATOR_BALANCE}`);
});
