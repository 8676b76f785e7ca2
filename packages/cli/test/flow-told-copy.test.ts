// What a flow's terminal is told is copied once, as the endpoint packs it (told-copy.ts), and the book judges that copy:
// a reply or onError answer that is a class instance whose field 39 is its prototype's getter (never packed: the
// terminal gets no field 39) has the bank's approval reversed, not kept (the book read the prototype's getter, the
// terminal was not told approved); an own getter that answers differently on a later read tells the terminal the
// value judged; a composite field the sequence changes after answering (field 127's sub-field, changed as the
// reversal of its decline is stored, before the endpoint writes the decline) reaches the terminal as answered.
// Real sockets: the host simulator behind a connector, the flow's endpoint with its approval book, a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDialect } from '@iso8583/codec';
import type { Dialect, IsoMessage } from '@iso8583/codec';
import type { Connector } from '@iso8583/connector';
import type { SequenceResult } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';
import { toldCopy } from '../src/flow/told-copy.js';
import { approvalsBank, posTerminal, purchase } from './flow-approvals-bank.js';
import type { Reversed } from './flow-approvals-bank.js';

/** A reply whose field 39 is its class's getter, approving: a prototype's key, which the codec never packs. */
class ProtoApproval {
  constructor(fields: Record<string, unknown>) {
    Object.assign(this, fields);
  }

  get 39(): string {
    return '00';
  }
}

// The same class instance as a sequence's reply, or as onError's answer to a sequence that failed: either way the
// terminal's connector gets a 0210 without field 39 (a prototype's key is not packed: not told approved), and the
// approval is reversed (as a declined reply, or as the sequence's failure).
for (const [whose, stan, reason] of [
  ['a sequence reply', '000661', 'reply-declined'],
  ['onError\'s answer', '000662', 'sequence-failed'],
] as const) {
  test(`flow told copy – ${whose} whose field 39 is its prototype's getter: the terminal gets no 39, the approval is reversed`, async (t) => {
    const { bank, approvals, reversed } = await approvalsBank(t, 10_000);
    const proto = (message: { fields: IsoMessage }): SequenceResult => new ProtoApproval({ ...message.fields, 0: '0210' }) as unknown as SequenceResult;
    const byOnError = reason === 'sequence-failed';
    const terminal = await posTerminal(t, {
      sequenceTimeout: 10_000,
      connectors: { bank },
      sequence: approvals.sequence(async (message, context) => {
        await (context.connectors.bank as Connector).request({ ...message.fields });
        if (byOnError) throw new Error('the reply could not be built');
        return proto(message);
      }),
      ...(byOnError ? { onError: approvals.onError((message) => proto(message)) } : {}),
      onLateResult: approvals.onLateResult,
    });
    await assert.rejects(within(terminal.request(purchase(stan)), 10_000, 'the terminal answered'), /no field 39/);
    await within(approvals.abandon(), 10_000, 'the book gave up what it still held');
    assert.deepEqual(reversed, [{ stan, reason }]);
  });
}

test('flow told copy – a reply whose field 39 getter approves once, then declines: the terminal is told the approval kept', async (t) => {
  const { bank, approvals, reversed } = await approvalsBank(t, 10_000);
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      await (context.connectors.bank as Connector).request({ ...message.fields });
      let reads = 0;
      const reply: IsoMessage = { ...message.fields, 0: '0210' };
      Object.defineProperty(reply, '39', { enumerable: true, get: () => (reads++ === 0 ? '00' : '05') });
      return reply;
    }),
    onLateResult: approvals.onLateResult,
  });
  const told = (await within(terminal.request(purchase('000663')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(told['39'], '00', 'the value judged is the value told');
  await within(approvals.abandon(), 10_000, 'the book gave up what it still held');
  assert.deepEqual(reversed, [], 'the terminal was told approved: nothing reversed');
});

/** iso87ascii with a composite field 127 (a sub-bitmap; sub-field 2, text up to 32). */
function withComposite127(): Dialect {
  const base = resolveDialect('iso87ascii');
  return {
    ...base,
    fields: {
      ...base.fields,
      127: {
        name: 'PRIVATE',
        type: 'ans',
        length: 999,
        encoding: 'ascii',
        prefix: { encoding: 'ascii', digits: 3 },
        subfields: {
          bitmap: { encoding: 'hex' },
          fields: { 2: { name: 'NOTE', type: 'ans', length: 32, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } } },
        },
      },
    },
  };
}

test('flow told copy – a composite field the sequence changes after its decline was judged reaches the terminal as answered', async (t) => {
  const dialect = withComposite127();
  const { bank } = await approvalsBank(t, 10_000);
  let answered: Record<string, Record<string, unknown>> | undefined;
  const reversed: Reversed[] = [];
  // The reversal the decline causes is stored before the endpoint writes the decline (decline-wait.ts): the sequence
  // changes its reply's field 127 then, after the book judged it.
  const approvals = new UndeliveredApprovals((original, _answer, _upstream, reason) => {
    reversed.push({ stan: original['11'], reason });
    if (answered !== undefined) answered['127']['2'] = 'CHANGED';
  });
  approvals.bind({ dialect, sequenceTimeout: 10_000 });
  const terminal = await posTerminal(t, {
    dialect,
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      await (context.connectors.bank as Connector).request({ ...message.fields });
      answered = { 127: { 2: 'AS ANSWERED' } };
      return { ...message.fields, 0: '0210', 39: '05', ...answered } as IsoMessage;
    }),
    onLateResult: approvals.onLateResult,
  });
  const told = (await within(terminal.request(purchase('000664')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(told['39'], '05');
  // The terminal's connector reads 127 in iso87ascii (not composite): the sub-field's text is in it.
  assert.match(String(told['127']), /AS ANSWERED$/);
  assert.deepEqual(reversed, [{ stan: '000664', reason: 'reply-declined' }]);
});

test('flow told copy – a sequence reply that is a revoked Proxy, with onError: the terminal gets a 96 and the approval is reversed', async (t) => {
  // sr66c #1: the copy's look at it threw, the sequence counted as failed with its book already settled, and onError's
  // answer went unjudged: the approval stood. Now it goes to the endpoint as it is, which refuses it.
  const { bank, approvals, reversed } = await approvalsBank(t, 10_000);
  const terminal = await posTerminal(t, {
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      await (context.connectors.bank as Connector).request({ ...message.fields });
      const { proxy, revoke } = Proxy.revocable({ ...message.fields, 0: '0210', 39: '00' }, {});
      revoke();
      return proxy as unknown as SequenceResult;
    }),
    onError: approvals.onError((message) => ({ ...message.fields, 0: '0210', 39: '96' })),
    onLateResult: approvals.onLateResult,
  });
  const answer = await within(terminal.request(purchase('000664')), 10_000, 'the terminal answered');
  assert.notEqual(answer['39'], '00', 'the terminal was not told approved');
  await within(approvals.abandon(), 10_000, 'the book gave up what it still held');
  assert.equal(reversed.length, 1, `the approval reversed once: ${JSON.stringify(reversed)}`);
  assert.equal(reversed[0]?.stan, '000664');
});

test('toldCopy – a nested value that cannot be copied throws at its key; a field read once all the same', () => {
  // sr66c #2: a nested throw handed the original on, whose getters were then read again (maybe otherwise).
  let reads = 0;
  const reply = {
    0: '0210',
    get 39(): string {
      reads += 1;
      return reads === 1 ? '00' : '05';
    },
    48: new Proxy({}, { ownKeys: () => { throw new Error('no keys'); } }),
  };
  const copy = toldCopy(reply, false) as Record<string, unknown>;
  assert.equal(copy['39'], '00');
  assert.equal(copy['39'], '00', 'the copy answers as first read');
  assert.equal(reads, 1, 'the getter read once');
  assert.throws(() => copy['48'], /no keys/, 'the key that could not be copied throws on every read');
  assert.throws(() => toldCopy(reply, true), /no keys/, 'strict (onError): the throw is onError failing');
});

test('toldCopy – a graph far past any message is not copied on (its key throws), however it branches', () => {
  // sr66c #3: back-references copied again at every level to depth 8: fanout^8 values (6^8: 1.7 million).
  const graph: Record<string, unknown> = {};
  for (let i = 0; i < 6; i++) graph[`k${i}`] = graph;
  const copy = toldCopy({ 0: '0210', 48: graph }, false) as Record<string, unknown>;
  assert.equal(copy['0'], '0210');
  assert.throws(() => copy['48'], /more than 10000 values/);
});

test('toldCopy – a reply whose keys cannot be listed: a message whose MTI throws, never the reply itself (sr66i #2)', () => {
  let listed = 0;
  const reply = new Proxy({ 0: '0210', 39: '00' }, {
    ownKeys: () => {
      listed += 1;
      throw new Error('no keys');
    },
  });
  const copy = toldCopy(reply, false) as Record<string, unknown>;
  assert.notEqual(copy, reply);
  assert.throws(() => copy['0'], /no keys/, 'the endpoint refuses it as it packs it (a 96)');
  assert.equal(listed, 1, 'the reply looked at once');
});
