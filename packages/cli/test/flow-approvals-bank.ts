// The bank side of the tests of a flow's undelivered approvals (flow-*-approvals, flow-timeout-*): the host simulator
// behind a real connector, a flow's approval book (UndeliveredApprovals) bound to an endpoint's options, and every
// reversal it hands over recorded, with a promise of the first; and the terminal's side: the flow's endpoint and a
// connector to it; and the gateway's own handler of undelivered approvals as a flow's book (`declineBook`). Each part
// is closed when the test ends. And the bank of the flow-stop tests, which holds purchases (`holdingBank`), and a named
// bank whose answers a test rewrites (`namedBank`).
import type { TestContext } from 'node:test';
import { Registry } from 'prom-client';
import { capturedLogger } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import type { Connector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { InboundOptions } from '@iso8583/inbound';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';
import { undeliveredApproval, UNDELIVERED_APPROVALS_METRIC } from '../src/gateway/late-approval.js';
import type { UndeliveredApprovalBook } from '../src/gateway/late-approval.js';

/** A purchase of 10.00 with a test card number. */
export function purchase(stan: string): IsoMessage {
  return { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1204043000', 11: stan, 12: '043000', 13: '1204', 41: 'TERM0001', 49: '840' };
}

/** A promise and the function that resolves it. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** A reversal the book handed over: the STAN of the request it reverses and why. */
export interface Reversed {
  stan: unknown;
  reason: string;
}

/** What {@link approvalsBank} starts. */
export interface ApprovalsBank {
  /** The connector to the host simulator (approves the test purchases). */
  readonly bank: Connector;
  /** The book, bound to iso87ascii and the `sequenceTimeout` given. */
  readonly approvals: UndeliveredApprovals;
  /** Every reversal handed over, in order. */
  readonly reversed: Reversed[];
  /** The request and the bank's answer of every reversal handed over, in order, as the handler got them. */
  readonly handed: { readonly original: IsoMessage; readonly answer: IsoMessage }[];
  /** Resolved at the first reversal. */
  readonly firstReversal: Promise<void>;
}

/** Starts the host simulator and a connector to it, and a book bound with `sequenceTimeout`; closed after `t`. */
export async function approvalsBank(t: TestContext, sequenceTimeout: number): Promise<ApprovalsBank> {
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator() });
  const { port } = await host.start();
  t.after(() => host.close());
  const bank = createConnector({ host: '127.0.0.1', port });
  t.after(() => bank.destroy());
  const reversed: Reversed[] = [];
  const handed: { original: IsoMessage; answer: IsoMessage }[] = [];
  const first = gate();
  const approvals = new UndeliveredApprovals((original, answer, _upstream, reason) => {
    reversed.push({ stan: original['11'], reason });
    handed.push({ original, answer });
    first.open();
  });
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout });
  return { bank, approvals, reversed, handed, firstReversal: first.opened };
}

/**
 * Starts a flow's inbound endpoint with `options` on 127.0.0.1 (port 0) and a terminal's connector to it (60 s
 * request timeout); the endpoint is destroyed (a sequence left pending does not hold its close) and the connector too
 * after `t`. Resolves with the terminal.
 */
export async function posTerminal(t: TestContext, options: Omit<InboundOptions, 'port' | 'host'>): Promise<Connector> {
  const endpoint = createInboundEndpoint({ port: 0, host: '127.0.0.1', ...options });
  const { port } = await endpoint.start();
  t.after(() => endpoint.destroy());
  const terminal = createConnector({ host: '127.0.0.1', port, requestTimeout: 60_000 });
  t.after(() => terminal.destroy());
  return terminal;
}

/**
 * A host simulator behind a connector named `name` (closed after `t`); `edit`, when given, rewrites each of its answers
 * (a bank that sends no field 38, or gives every approval the same one); `held`, when given, holds each answer until
 * it settles (an answer that comes after the terminal's).
 */
export async function namedBank(
  t: TestContext,
  name: string,
  edit?: (answer: Record<string, unknown>) => Record<string, unknown>,
  held?: Promise<void>,
): Promise<Connector> {
  const simulator = createHostSimulator();
  const host = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    sequence: async (message, context) => {
      const answer = (await simulator(message, context)) as Record<string, unknown>;
      await held;
      return (edit === undefined ? answer : edit(answer)) as IsoMessage;
    },
  });
  const { port } = await host.start();
  t.after(() => host.close());
  const bank = createConnector({ host: '127.0.0.1', port, name });
  t.after(() => bank.destroy());
  return bank;
}

/** What {@link declineBook} makes. */
export interface DeclineBook {
  /** The gateway's handler of undelivered approvals, reversing at `bank`. */
  readonly book: UndeliveredApprovalBook;
  /** The flow's approval book around it, bound to iso87ascii and the `sequenceTimeout` given. */
  readonly approvals: UndeliveredApprovals;
  /** The warn lines logged (the handler's), parsed. */
  readonly lines: Record<string, unknown>[];
  /** The logger those lines go to (give it to the endpoint too). */
  readonly logger: ReturnType<typeof capturedLogger>['logger'];
  /** The undelivered approvals counted, as `reason/outcome=count`. */
  outcomes(): Promise<string[] | undefined>;
}

/**
 * The gateway's handler of undelivered approvals (late-approval.ts) reversing at `bank`, logging at warn to lines the
 * test reads, with its own metrics registry, and a flow's approval book around it bound with `sequenceTimeout`.
 */
export function declineBook(bank: Connector, sequenceTimeout: number): DeclineBook {
  const { logger, lines } = capturedLogger('warn');
  const registry = new Registry();
  const book = undeliveredApproval({ connector: bank, logger, registry });
  const approvals = new UndeliveredApprovals(book);
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout });
  const outcomes = async (): Promise<string[] | undefined> =>
    (await registry.getSingleMetric(UNDELIVERED_APPROVALS_METRIC)?.get())?.values.map((v) => `${String(v.labels.reason)}/${String(v.labels.outcome)}=${v.value}`);
  return { book, approvals, lines, logger, outcomes };
}

/** A bank that holds every purchase until the test ends and answers its reversal (`holdingBank`). */
export interface HoldingBank {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** Opened once it got a purchase (0200). */
  readonly atBank: Promise<void>;
  /** Opened once it got a reversal (0400 or 0401) of the purchase of STAN `stan`. */
  readonly reversedAtBank: Promise<void>;
  /** What it received, each as `MTI field90`. */
  readonly received: readonly string[];
}

/**
 * The bank of the flow-stop tests: the host simulator on 127.0.0.1 whose purchases are held until the test ends (the
 * stop's deadline passes meanwhile) and whose reversals are answered; a reversal of STAN `stan` opens `reversedAtBank`.
 */
export async function holdingBank(t: TestContext, stan: string): Promise<HoldingBank> {
  const atBank = gate();
  const testEnd = gate();
  const reversedAtBank = gate();
  const received: string[] = [];
  const simulator = createHostSimulator();
  const bank = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    sequenceTimeout: 60_000,
    sequence: async (message, context) => {
      received.push(`${message.mti} ${String(message.fields['90'] ?? '')}`);
      if (/^040[01]$/.test(message.mti) && String(message.fields['90'] ?? '').startsWith(`0200${stan}`)) reversedAtBank.open();
      if (message.mti === '0200') {
        atBank.open();
        await testEnd.opened;
      }
      return simulator(message, context);
    },
  });
  const port = (await bank.start()).port;
  t.after(() => bank.close({ deadline: 0 }));
  t.after(() => testEnd.open());
  return { port, atBank: atBank.opened, reversedAtBank: reversedAtBank.opened, received };
}
