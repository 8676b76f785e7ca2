// A flow under SmartVista (field 39 `n 3`) for the tests of how its approval book judges answers: real sockets, a bank
// endpoint approving with 000 behind a connector, the flow's endpoint with its approval book, a terminal's connector.
import type { TestContext } from 'node:test';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import type { Connector } from '@iso8583/connector';
import { createInboundEndpoint, responseMti } from '@iso8583/inbound';
import type { InboundMessage, SequenceResult } from '@iso8583/inbound';
import { UndeliveredApprovals } from '../../src/flow/undelivered-approvals.js';

const DIALECT = 'smartvista';

/** What {@link smartVistaFlow} starts. */
export interface SmartVistaFlow {
  /** The terminal's connector to the flow's endpoint (`requestTimeout` 60 s). */
  terminal: Connector;
  /** The flow's endpoint's port (for a raw terminal). */
  port: number;
  /** What the approval book reversed, as `STAN/reason`. */
  reversed: string[];
  /** The bank's answers the sequence got, as their MTI then field 39, one pair a request. */
  bankAnswers: unknown[];
}

/**
 * The bank, and the flow's endpoint (`sequenceTimeout` 10 s) whose sequence sends each request to the bank, then
 * ends by `then` with the message (its result the sequence's, or its throw the sequence's failure); `onError` (default
 * none) is the endpoint's, wrapped by the approval book; `lenient` (default false) the flow's endpoint's. Every part
 * goes after the test.
 */
export async function smartVistaFlow(
  t: TestContext,
  then: (message: InboundMessage) => SequenceResult,
  onError?: (message: InboundMessage) => SequenceResult,
  { lenient = false }: { lenient?: boolean } = {},
): Promise<SmartVistaFlow> {
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', dialect: DIALECT, sequence: (m) => ({ ...m.fields, 0: responseMti(m.mti), 39: '000' }) });
  const bankPort = (await host.start()).port;
  t.after(() => host.close());
  const bank = createConnector({ host: '127.0.0.1', port: bankPort, dialect: DIALECT });
  t.after(() => bank.destroy());
  const reversed: string[] = [];
  const bankAnswers: unknown[] = [];
  const approvals = new UndeliveredApprovals((original, _answer, _upstream, reason) => void reversed.push(`${String(original['11'])}/${reason}`));
  const endpoint = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    dialect: DIALECT,
    lenient,
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      const paid: IsoMessage = await (context.connectors.bank as typeof bank).request({ ...message.fields });
      bankAnswers.push(paid['0'], paid['39']);
      return then(message);
    }),
    ...(onError === undefined ? {} : { onError: approvals.onError(onError) }),
    onLateResult: approvals.onLateResult,
  });
  approvals.bind(endpoint.options);
  const { port } = await endpoint.start();
  t.after(() => endpoint.destroy());
  const terminal = createConnector({ host: '127.0.0.1', port, dialect: DIALECT, requestTimeout: 60_000 });
  t.after(() => terminal.destroy());
  return { terminal, port, reversed, bankAnswers };
}
