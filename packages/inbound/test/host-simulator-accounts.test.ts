// The simulated issuer's accounts: a balance below zero in field 54, the cards opened with defaultBalance kept while
// the journal holds their transactions, and lookups that stay flat when one client reuses a STAN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { createHostSimulator } from '../src/index.js';
import type { SequenceContext } from '../src/index.js';
import { startEndpoint } from './support/endpoint.js';
import { TestClient } from './support/client.js';
import { VISA, ask, message, original, tx } from './support/simulator.js';

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

test('host simulator accounts – one client reusing a STAN does not slow the shared host (duplicate and reversal lookups by key)', async () => {
  // One STAN and terminal with 20,000 transmissions in the journal and 20,000 early reversals (each its own terminal)
  // under another STAN: a lookup under those STANs costs what one under a fresh STAN costs, not a scan of the lists.
  const sim = createHostSimulator({ checkCards: false, defaultBalance: 1e12, now: () => NOW });
  const n = 20000;
  const time = (label: string) => String(label).padStart(10, '0');
  const send = (fields: IsoMessage) => sim(message(fields), {} as SequenceContext);
  for (let i = 0; i < n; i++) send(tx('0200', '000001', 1, { 7: time(String(i)) }));
  for (let i = 0; i < n; i++) send({ 0: '0400', 11: '000002', 41: `R${i}` });
  const perMessage = (fields: (i: number) => IsoMessage): number => {
    const started = performance.now();
    for (let i = 0; i < 2000; i++) send(fields(i));
    return (performance.now() - started) / 2000;
  };
  const fresh = perMessage((i) => tx('0200', String(100000 + i), 1, { 7: time(`9${i}`) }));
  const sameStan = perMessage((i) => tx('0200', '000001', 1, { 7: time(`8${i}`) }));
  const earlyStan = perMessage((i) => tx('0200', '000002', 1, { 7: time(`7${i}`), 41: `X${i}` }));
  const bound = 4 * fresh;
  assert.ok(sameStan < bound, `under a STAN the journal holds 20,000 times: ${sameStan.toFixed(3)} ms a message, fresh ${fresh.toFixed(3)}`);
  assert.ok(earlyStan < bound, `under a STAN with 20,000 early reversals: ${earlyStan.toFixed(3)} ms a message, fresh ${fresh.toFixed(3)}`);
});
