// A flow judges onError's answer by field 39 as the endpoint packs it, so as the terminal gets it: under SmartVista
// (field 39 `n 3`) onError's `39: 0` (a number in an object, `"39":0` in JSON, `<field id="39">0</field>` in XML) packs
// as `000`, the approval the terminal is told, so the sequence's approval at the bank is kept (the book read "0", no
// approval, and reversed the bank's approval while the terminal was told approved); a jPOS dump's binary `303030` is
// the same `000`. A `39: 5` packs as `005` (do not honour): reversed. Real sockets: a bank endpoint approving with 000
// behind a connector, the flow's endpoint with its approval book, a terminal's connector, all in smartvista.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import type { InboundMessage, SequenceResult } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { smartVistaFlow } from './helpers/smartvista-flow.js';
import type { SmartVistaFlow } from './helpers/smartvista-flow.js';

/** The bank, the flow's endpoint whose sequence gets the bank's approval then fails, onError answering `answer`. */
function flow(t: TestContext, answer: (message: InboundMessage) => SequenceResult): Promise<SmartVistaFlow> {
  return smartVistaFlow(t, () => {
    throw new Error('the sequence failed after the approval');
  }, answer);
}

/** A purchase of 10.00 with a test card number. */
function purchase(stan: string): IsoMessage {
  return { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1204043000', 11: stan, 12: '043000', 13: '1204', 41: '00000001', 49: '840' };
}

/** The request's fields but the MTI, each as a jPOS dump's `<field id value/>` (the echo the terminal matches its answer by). */
function jposFields(m: InboundMessage): string {
  return Object.entries(m.fields).filter(([id]) => id !== '0').map(([id, v]) => `<field id="${id}" value="${String(v)}"/>`).join('');
}

const forms: [string, (m: InboundMessage) => SequenceResult][] = [
  ['an object with 39: 0', (m) => ({ ...m.fields, 0: '0210', 39: 0 })],
  ['JSON text with "39":0', (m) => JSON.stringify({ ...m.fields, 0: '0210', 39: 0 })],
  ['XML text with <field id="39">0</field>', (m) => m.xml.replace('>0200<', '>0210<').replace('</data>', '<field id="39">0</field></data>')],
  ['a jPOS dump with field 39 binary 303030', (m) => `<isomsg><field id="0" value="0210"/>${jposFields(m)}<field id="39" type="binary" value="303030"/></isomsg>`],
];

let stan = 100;
for (const [form, answer] of forms) {
  test(`flow onError – ${form} under smartvista packs as 000: the terminal is approved and the bank's approval kept`, async (t) => {
    const { terminal, reversed } = await flow(t, answer);
    const told = (await within(terminal.request(purchase(String(++stan).padStart(6, '0'))), 10_000, 'the terminal answered')) as IsoMessage;
    assert.equal(told['39'], '000', 'the terminal was told approved');
    assert.deepEqual(reversed, [], 'nothing reversed: the terminal was told approved');
  });
}

test('flow onError – an object with 39: 5 under smartvista packs as 005: the bank\'s approval is reversed', async (t) => {
  const { terminal, reversed } = await flow(t, (m) => ({ ...m.fields, 0: '0210', 39: 5 }));
  const told = (await within(terminal.request(purchase('000200')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(told['39'], '005');
  assert.deepEqual(reversed, ['000200/sequence-failed']);
});

test('flow reply – the sequence\'s own reply with 39: 0 under smartvista packs as 000: the bank\'s approval is kept', async (t) => {
  const { terminal, reversed } = await smartVistaFlow(t, (message) => ({ ...message.fields, 0: '0210', 39: 0 }));
  const told = (await within(terminal.request(purchase('000300')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(told['39'], '000', 'the terminal was told approved');
  assert.deepEqual(reversed, [], 'nothing reversed: the terminal was told approved');
});
