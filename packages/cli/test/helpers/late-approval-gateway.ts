/**
 * The gateway's path for an answer its POS client never got, built of real parts for the late-approval tests: a bank
 * endpoint, the upstream connector with its SAF journal, the gateway's POS endpoint (a relaying sequence,
 * `onLateResult` set to `lateApproval`) and POS clients that go away while their request is at the bank; gates and
 * events, not sleeps, order the steps.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { within } from '@iso8583/test-support';
import type { Dialect, IsoMessage } from '@iso8583/codec';
import { createCodec, encodeFrame } from '@iso8583/codec';
import { FileJournal, createConnector } from '@iso8583/connector';
import type { Connector, SafEvent } from '@iso8583/connector';
import { EncodedReply, createInboundEndpoint } from '@iso8583/inbound';
import type { InboundMessage, LateResultHandler, SequenceResult } from '@iso8583/inbound';
import { lateApproval } from '../../src/gateway/late-approval.js';

/** The gateway of {@link lateApprovalGateway}. */
export interface LateApprovalGateway {
  /** What the bank received, in order. */
  readonly bank: IsoMessage[];
  /** The upstream connector (its SAF queue sends the reversals). */
  readonly upstream: Connector;
  /** Sends `request` from a POS client that goes away while it is at the bank; resolves once the gateway handed its answer over as undelivered. */
  goneClient(request: IsoMessage): Promise<void>;
  /** `iso8583_gateway_undelivered_approvals_total`, as `reason/outcome=count`. */
  outcomes(): Promise<string[]>;
}

/**
 * The gateway in `dialect` (bank, upstream and POS alike) whose bank answers each request with `answer(request)`;
 * its parts (and the journal's folder) are taken down after the test.
 */
export async function lateApprovalGateway(t: TestContext, dialect: string | Dialect, answer: (m: InboundMessage) => SequenceResult): Promise<LateApprovalGateway> {
  const iso93 = typeof dialect === 'string' ? dialect.startsWith('iso93') : dialect.version === '1993';
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-late-approval-'));
  const bank: IsoMessage[] = [];
  const bankEndpoint = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    dialect,
    sequence: (m) => {
      bank.push(m.fields);
      return answer(m);
    },
  });
  const { port } = await bankEndpoint.start();
  t.after(() => bankEndpoint.destroy());
  const upstream = createConnector({ host: '127.0.0.1', port, dialect, reversal: { enabled: true, journal: new FileJournal(dir), mti: iso93 ? '0420' : '0400' } });
  await upstream.connect();
  t.after(() => upstream.close());
  const codec = createCodec(upstream.codec.dialect);
  const registry = new Registry();
  const late = lateApproval({ connector: upstream, logger: pino({ level: 'silent' }), registry });
  const atBank = new Map<string, () => void>();
  const released = new Map<string, () => void>();
  const handed = new Map<string, () => void>();
  const onLateResult: LateResultHandler = (result, message, context, reason) => {
    late(result, message, context, reason);
    handed.get(message.fields['11'] as string)?.();
  };
  const posEndpoint = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    dialect,
    sequenceTimeout: 10_000,
    onLateResult,
    sequence: async (m) => {
      const stan = m.fields['11'] as string;
      await new Promise<void>((resolve) => {
        released.set(stan, resolve);
        atBank.get(stan)?.();
      });
      const answer = (await upstream.request(m.fields)) as IsoMessage;
      return new EncodedReply(answer, codec.pack(answer), upstream.codec.dialect);
    },
  });
  const { port: posPort } = await posEndpoint.start();
  t.after(() => posEndpoint.destroy());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    bank,
    upstream,
    outcomes: async () => (await registry.getSingleMetric('iso8583_gateway_undelivered_approvals_total')?.get())?.values.map((v) => `${String(v.labels.reason)}/${String(v.labels.outcome)}=${v.value}`) ?? [],
    goneClient: async (request) => {
      const stan = request['11'] as string;
      const reached = new Promise<void>((resolve) => atBank.set(stan, resolve));
      const given = new Promise<void>((resolve) => handed.set(stan, resolve));
      const gone = new Promise<void>((resolve) => posEndpoint.once('disconnect', () => resolve()));
      // A terminal that gave up: its request sent, its connection reset while the request is at the bank.
      const pos = connect(posPort, '127.0.0.1');
      t.after(() => void pos.destroy());
      await within(once(pos, 'connect'), 10_000, 'the POS client to connect');
      pos.write(encodeFrame(codec.pack(request)));
      await within(reached, 10_000, `the sequence of ${stan} to start`);
      pos.resetAndDestroy();
      await within(gone, 10_000, `the gateway to see the client of ${stan} go`);
      released.get(stan)?.();
      await within(given, 10_000, `the answer to ${stan} to be handed over as undelivered`);
    },
  };
}

/** Resolves with the connector's next SAF event of stage `answered` (a reversal the bank answered). */
export function reversalAnswered(connector: Connector): Promise<SafEvent> {
  return new Promise((resolve) => {
    connector.on('saf', (e) => {
      if (e.stage === 'answered') resolve(e);
    });
  });
}
