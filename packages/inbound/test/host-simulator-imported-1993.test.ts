// The host simulator with a jPOS 1993 packager imported from XML (iso93ebcdic-custom) as its dialect: a 1993 dialect,
// so its 1200 is approved with 000 and its 1420 (field 56) undoes it, where a 1987 reading refused every 1200 as a
// message of another edition (904).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApproved, resolveDialect } from '@iso8583/codec';
import { vectorPath } from '@iso8583/test-support';
import { createHostSimulator } from '../src/index.js';
import { VISA, ask } from './support/simulator.js';

test('host simulator – an imported jPOS 1993 packager: a 1200 is approved with 000, its 1420 reverses it', async () => {
  const dialect = resolveDialect(vectorPath('jpos/packagers/iso93ebcdic-custom.xml'));
  const host = createHostSimulator({ dialect, cards: { [VISA]: { balance: 5000 } } });
  const sale = { 0: '1200', 2: VISA, 3: '000000', 4: '000000001250', 11: '000010', 12: '261205092320', 32: '123456', 41: 'TERM0001', 49: '840' };
  const approved = await ask(host, sale);
  assert.equal(approved?.['0'], '1210');
  assert.equal(approved?.['39'], '000');
  assert.ok(isApproved(dialect, approved?.['39']));
  assert.equal(host.balanceOf(VISA), 3750);
  const reversal = { ...sale, 0: '1420', 11: '000011', 24: '400', 25: '4021', 56: '1200' + '000010' + '261205092320' + '06123456' };
  const undone = await ask(host, reversal);
  assert.equal(undone?.['0'], '1430');
  assert.equal(undone?.['39'], '400');
  assert.equal(host.balanceOf(VISA), 5000);
});
