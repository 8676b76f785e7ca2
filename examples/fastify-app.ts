/**
 * A Fastify application with the ISO 8583 connector and an inbound endpoint registered as plugins:
 * - `iso8583Connector` named `bank` decorates `app.iso8583.bank` and mounts `POST /bank/` (JSON or XML) and
 *   `POST /bank/raw` (hex);
 * - `iso8583Inbound` named `pos` listens for POS terminals and forwards each message to the bank connector;
 * - `GET /balance/:terminal` shows an application route using a connector directly (a 0100 balance inquiry, through
 *   a second connector, `inquiry`, with reversal off: an inquiry moves no money, so it is never journaled nor reversed,
 *   and its STAN is the connector's own, `autoFill.stan`).
 *
 * The `bank` connector reverses (0400) a purchase or authorisation the bank may hold but did not answer in time
 * (reversal is off unless `reversal.enabled`), journaled in a folder of its own first: `JOURNAL_DIR`, by default
 * `~/.local/state/iso8583/fastify-app.bank` (made if missing; keep it: a reversal not answered before a stop is sent at
 * the next start). The POS endpoint's onError sequence tells the terminal 68 for such a request (91 for one that never
 * reached the bank), never an approval the bank did not give. An approval whose client is gone (a terminal that closed
 * its socket, an HTTP request aborted) or that came after the POS timeout is reversed too, through the same journal:
 * the endpoint's `onLateResult` and the routes' `onUndelivered` hand it to the connector's `undeliveredApproval`, the
 * rule the `iso8583 gateway` uses.
 *
 * Run it against any host: `BANK_PORT=8583 node examples/dist/fastify-app.js` (start a bank with
 * `iso8583 simulate-host --port 8583`).
 */
import { fileURLToPath } from 'node:url';
import { fastify } from 'fastify';
import type { FastifyInstance } from 'fastify';
import { STOP_SETTLE_WAIT, defaultJournalDir, httpUndelivered, iso8583Connector, undeliveredApproval } from '@iso8583/connector';
import type { Connector, UndeliveredApproval } from '@iso8583/connector';
import type { IsoMessage } from '@iso8583/codec';
import { EncodedReply, iso8583Inbound } from '@iso8583/inbound';
import onError from './sequences/on-error.js';

/** Where the example app connects and listens. */
export interface ExampleAppOptions {
  /** The bank's host. Default `127.0.0.1`. */
  bankHost?: string;
  /** The bank's port. Required. */
  bankPort: number;
  /** The POS listener's port. Default 0 (any free port). */
  posPort?: number;
  /**
   * The folder of the connector's reversal journal (made if missing). Default
   * `defaultJournalDir('fastify-app.bank')`: `$XDG_STATE_HOME/iso8583/fastify-app.bank`, else
   * `~/.local/state/iso8583/fastify-app.bank`.
   */
  journalDir?: string;
  /** Milliseconds the bank has to answer before a request fails (a purchase is then reversed, an inquiry not). Default 10000. */
  requestTimeout?: number;
}

/** Builds the app (not listening yet). */
export async function buildApp(options: ExampleAppOptions): Promise<FastifyInstance> {
  // No forceCloseConnections: it would cut every request in flight at the close (a purchase approved and never
  // answered, then reversed): the routes' last answer while the app closes ends its connection instead. A request
  // coming while the app closes is refused by the routes (return503OnClosing: false), 503
  // ISO8583_ERR_CONNECTOR_CLOSED in their shape.
  const app = fastify({ logger: false, return503OnClosing: false });
  // An approval its client never got, reversed (the `bank` connector exists once registered: `reverse` is set then).
  let reverse: UndeliveredApproval = () => undefined;
  // Both connectors reach the same bank in the same dialect and framing.
  const bankLink = {
    host: options.bankHost ?? '127.0.0.1',
    port: options.bankPort,
    dialect: 'iso87ascii',
    frame: 'binary2',
    requestTimeout: options.requestTimeout ?? 10_000,
  } as const;
  await app.register(iso8583Connector, {
    name: 'bank',
    ...bankLink,
    // A request written to the bank and not answered in time (the terminal or HTTP client is told it failed) is
    // reversed: without this the bank's late approval would stand. The reversal is journaled (and synced) first.
    reversal: { enabled: true, journalDir: options.journalDir ?? defaultJournalDir('fastify-app.bank') },
    // An answer whose HTTP client has gone (an aborted request) or that cannot be written (a 502): an approval is reversed.
    routes: { prefix: '/bank', onUndelivered: httpUndelivered((...late) => reverse(...late)) },
  });
  const book = undeliveredApproval({ connector: app.iso8583.bank, logger: app.log });
  reverse = book;
  // The stop's order (Fastify runs onClose hooks last registered first): the HTTP server and the POS endpoint
  // (registered below) end their traffic first, handing over the approvals their clients never got; then this hook
  // lets those reversals be stored in the journal (at most a second more); then the `bank` connector (registered
  // above) closes. Waiting earlier (`preClose`) would wait before the approvals undelivered during the stop exist.
  app.addHook('onClose', async () => book.settled(STOP_SETTLE_WAIT));
  // Balance inquiries: no money moves, so no reversal (nor journal); the connector picks the STAN.
  await app.register(iso8583Connector, {
    name: 'inquiry',
    ...bankLink,
    autoFill: { stan: true },
  });
  // The inbound endpoint's sequence reaches the connector through `context.connectors`.
  await app.register(iso8583Inbound, {
    name: 'pos',
    port: options.posPort ?? 0,
    connectors: { bank: app.iso8583.bank },
    // `context.signal`: aborted at the endpoint's sequenceTimeout, so a request the terminal was told failed is never
    // left at the bank (never written, or reversed by the connector's reversal above).
    sequence: async (message, context) =>
      (context.connectors.bank as Connector).request(message.fields, { signal: context.signal }),
    // A failed request: 68 when the bank may have it (reversed), 91 when it never reached the bank, 96 otherwise.
    onError,
    // The bank's answer to a terminal that has gone (its socket closed) or that came after the POS timeout: an approval
    // of a purchase or authorisation is reversed (onError's answers are not the bank's: nothing to undo).
    onLateResult: (result, message, _context, reason, source) => {
      if (source === 'sequence' && typeof result === 'object' && result !== null && !(result instanceof EncodedReply)) {
        void reverse(message.fields, result as IsoMessage, undefined, reason, 'pos');
      }
    },
  });
  app.get<{ Params: { terminal: string } }>('/balance/:terminal', async (request, reply) => {
    const terminal = request.params.terminal;
    if (!/^[A-Za-z0-9]{1,8}$/.test(terminal)) return reply.code(400).send({ error: 'terminal: 1-8 letters or digits' });
    const answer = await app.iso8583.inquiry.request({
      '0': '0100',
      '2': '4761739001010010',
      '3': '310000',
      '4': 0,
      '14': '3012',
      '41': terminal.padEnd(8, ' '),
      '49': '840',
    });
    return { responseCode: answer['39'], balance: answer['54'] ?? null };
  });
  return app;
}

// Run directly: `node examples/dist/fastify-app.js`. A start that fails (a port in use, say) is one line on stderr
// (its code and reason, naming the address) and exit code 1, not an uncaught stack trace.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let app: FastifyInstance | undefined;
  try {
    app = await buildApp({
      bankHost: process.env.BANK_HOST ?? '127.0.0.1',
      bankPort: Number(process.env.BANK_PORT ?? 8583),
      posPort: Number(process.env.POS_PORT ?? 9583),
      ...(process.env.JOURNAL_DIR === undefined ? {} : { journalDir: process.env.JOURNAL_DIR }),
    });
    await app.listen({ host: '127.0.0.1', port: Number(process.env.HTTP_PORT ?? 8080) });
  } catch (err) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    process.stderr.write(`fastify-app: cannot start: ${String(code ?? 'error')}: ${String(message ?? err)}\n`);
    // What did open (the bank link, the POS listener) is closed before the exit.
    await app?.close().catch(() => undefined);
    process.exit(1);
  }
  const http = app.server.address() as { address: string; port: number };
  const pos = app.inbound.pos?.address();
  process.stdout.write(`example app listening http=${http.address}:${http.port} pos=${pos?.address ?? ''}:${pos?.port ?? ''}\n`);
  const running = app;
  const stop = (): void => void running.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
