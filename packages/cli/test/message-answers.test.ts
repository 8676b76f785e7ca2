// A flow's book of one message's answers (message-answers.ts): a reversal handler that throws on one approval (the
// gateway's handler logging through a logger that throws) neither stops the other approvals of the message from being
// reversed nor escapes to the caller (a timer's callback, the endpoint's onLateResult).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, resolveDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import type { Connector } from '@iso8583/connector';
import { MessageAnswers } from '../src/flow/message-answers.js';
import { approvalOf } from '../src/flow/reply-verdict.js';

/** An approved purchase answer to the request of STAN `stan`. */
function approved(stan: string): { sent: IsoMessage; relayed: false; answer: IsoMessage; upstream: Connector } {
  const sent: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: stan, 41: 'TERM0001' };
  return { sent, relayed: false, answer: { ...sent, 0: '0210', 39: '00' }, upstream: {} as Connector };
}

test('a flow book – a reversal handler that throws on the first approval: the second is still reversed, nothing escapes', () => {
  const tried: unknown[] = [];
  const book = new MessageAnswers((original) => {
    tried.push(original['11']);
    if (tried.length === 1) throw new Error('the logger failed');
  });
  book.answered(approved('000101'));
  book.answered(approved('000102'));
  assert.doesNotThrow(() => book.undelivered('client-gone'));
  assert.deepEqual(tried, ['000101', '000102']);
  // One that comes after the loss is reversed as it comes, the handler's throw kept in the book too.
  assert.doesNotThrow(() => book.answered(approved('000103')));
  assert.deepEqual(tried, ['000101', '000102', '000103']);
});

test('a flow book – each answer\'s original is worked out once, whatever asks (the reply\'s verdict, relays, the reversal)', () => {
  const request: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: '000201', 41: 'TERM0001' };
  let reads = 0;
  const upstream = { codec: { dialect: resolveDialect('iso87ascii') } } as unknown as Connector;
  // A request read each time it is asked for: a text one is a whole parse each time.
  const one = { get sent(): IsoMessage { reads++; return request; }, answer: { ...request, 0: '0210', 39: '00' }, upstream };
  const reversed: unknown[] = [];
  const book = new MessageAnswers((original) => void reversed.push(original['11']));
  book.answered(one);
  assert.equal(book.relays('00'), true);
  assert.equal(book.relays('00'), true);
  void book.replied(() => false);
  assert.deepEqual(reversed, ['000201'], 'the approval is reversed once');
  assert.equal(reads, 1, 'the request was read once');
});

test('a flow book – a 2110 1002 (declined) of host X and a 0210 00 of bank Y, the terminal told 2210 1002: Y\'s approval is reversed (sr68j #1)', () => {
  const upstream = { codec: { dialect: resolveDialect('iso87ascii') } } as unknown as Connector;
  const base: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 41: 'TERM0001' };
  const x = { sent: { ...base, 0: '2100', 11: '000301' }, answer: { ...base, 0: '2110', 11: '000301', 39: '1002' }, upstream };
  const y = { sent: { ...base, 11: '000302' }, answer: { ...base, 0: '0210', 11: '000302', 39: '00' }, upstream };
  const reversed: unknown[] = [];
  const book = new MessageAnswers((original) => void reversed.push(original['11']));
  book.answered(x);
  book.answered(y);
  assert.equal(book.relays('1002'), false, "X's decline is no approval relayed");
  const told = (): boolean | undefined => approvalOf(createCodec('iso87ascii'), '2200', { 0: '2210', 39: '1002' }, [book]);
  assert.equal(told(), false, 'the terminal was told declined');
  void book.replied(() => told() === true);
  // The book hands every answer to the handler (the gateway's handler skips X's decline by movedMoney): Y's is among them.
  assert.ok(reversed.includes('000302'), "Y's approval, which the terminal was told declined, is reversed");
});
