// Every approval a flow's sequence gets through `context.connectors` is in its message's book: a sequence that reaches
// for a send the book does not watch (the connector's internal `exchangeResponse`, its private `exchange`, a group's
// own upstreams) either finds it not there or has it watched, so that an approval it got and then failed after is
// reversed. Real sockets: the host simulator behind a connector (alone, and in an upstream group), the flow's inbound
// endpoint and its approval book, a terminal's connector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import { createUpstreamGroup } from '@iso8583/connector';
import type { Connector } from '@iso8583/connector';
import { within } from '@iso8583/test-support';
import { approvalsBank, posTerminal, purchase } from './flow-approvals-bank.js';

/** A way round `request`: what the sequence calls on `link` (as it sees it); `undefined` when it is not there. */
type Reach = (link: Record<string, unknown>, m: IsoMessage) => Promise<unknown> | undefined;

const call = (fn: unknown, self: unknown, ...args: unknown[]): Promise<unknown> | undefined =>
  typeof fn === 'function' ? (fn as (...a: unknown[]) => Promise<unknown>).apply(self, args) : undefined;

for (const { name, group, reach, watched } of [
  { name: "the connector's internal exchangeResponse is not there", group: false, watched: false, reach: ((l, m) => call(l.exchangeResponse, l, m)) as Reach },
  { name: "the connector's private exchange is not there", group: false, watched: false, reach: ((l, m) => call(l.exchange, l, m, {}, undefined)) as Reach },
  {
    name: "a group's upstream, read from its connectors, is watched",
    group: true,
    watched: true,
    reach: ((l, m) => {
      const c = (l.connectors as ReadonlyMap<string, Record<string, unknown>> | undefined)?.get('bank');
      return call(c?.request, c, m);
    }) as Reach,
  },
  {
    name: "a connector's chained on() returns the watched connector",
    group: false,
    watched: true,
    reach: ((l, m) => {
      const c = call(l.on, l, 'error', () => undefined) as unknown as Record<string, unknown>;
      return call(c.request, c, m);
    }) as Reach,
  },
  {
    name: "a group's private links are not there",
    group: true,
    watched: false,
    reach: ((l, m) => {
      const c = (l.links as { connector: Record<string, unknown> }[] | undefined)?.[0]?.connector;
      return call(c?.request, c, m);
    }) as Reach,
  },
]) {
  test(`flow approvals – a sequence that sends round request, then fails: ${name}`, async (t) => {
    const sequenceTimeout = 10_000;
    const { bank, approvals, reversed } = await approvalsBank(t, sequenceTimeout);
    const link: Connector | object = group ? createUpstreamGroup({ upstreams: [{ name: 'bank', connector: bank }] }) : bank;
    let got = 0;
    const terminal = await posTerminal(t, {
      sequenceTimeout,
      connectors: { bank: link },
      sequence: approvals.sequence(async (message, context) => {
        const answered = reach(context.connectors.bank as Record<string, unknown>, { ...message.fields });
        if (answered !== undefined) {
          const answer = (await answered) as IsoMessage & { message?: IsoMessage };
          if ((answer.message ?? answer)['39'] === '00') got += 1;
        }
        throw new Error('the sequence failed after the bank approved');
      }),
      onLateResult: approvals.onLateResult,
    });
    const answer = await within(terminal.request(purchase('000101')), 10_000, 'the terminal answered');
    assert.equal(answer['39'], '96', 'no onError: the terminal got a 96');
    assert.equal(got, watched ? 1 : 0, watched ? 'the sequence got the approval' : 'the send was not there');
    assert.deepEqual(reversed, got === 1 ? [{ stan: '000101', reason: 'sequence-failed' }] : [], 'every approval the sequence got is reversed');
  });
}

test("flow approvals – a watched send still tells the sequence's own answeredBy the upstream, the answer and the request as sent", async (t) => {
  const sequenceTimeout = 10_000;
  const { bank, approvals, reversed } = await approvalsBank(t, sequenceTimeout);
  const told: { upstream: unknown; answer: IsoMessage; request: MessageInput | undefined }[] = [];
  const terminal = await posTerminal(t, {
    sequenceTimeout,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      const link = context.connectors.bank as Connector;
      // An object's own members read as any object's: a label, hasOwnProperty.
      assert.equal(`${String(link)}`, '[object Object]');
      assert.equal(typeof link.hasOwnProperty, 'function');
      assert.equal(link.constructor, bank.constructor, 'its constructor is its class');
      await link.request({ ...message.fields }, { answeredBy: (upstream, answer, request) => told.push({ upstream, answer, request }) });
      throw new Error('the sequence failed after the bank approved');
    }),
    onLateResult: approvals.onLateResult,
  });
  const answer = await within(terminal.request(purchase('000102')), 10_000, 'the terminal answered');
  assert.equal(answer['39'], '96');
  assert.equal(told.length, 1, "the sequence's own answeredBy was told once");
  assert.equal(told[0]!.answer['39'], '00');
  assert.equal(told[0]!.request?.['11'], '000102', 'the request as sent came as the third argument');
  assert.deepEqual(reversed, [{ stan: '000102', reason: 'sequence-failed' }], 'the book still reversed the approval');
});
