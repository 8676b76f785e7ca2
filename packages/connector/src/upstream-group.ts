/**
 * An upstream group: several named upstreams (each its own {@link Connector}: pool, TLS, framing, dialect, sign-on and
 * reversal journal), one request API. A request goes where a routing rule says (a rule to an upstream that is down is
 * refused with `ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN`, which the gateway answers 91; one still on its first connect
 * attempt is connecting, not down: the request waits for that attempt within its own time, as on a lone connector), else to a healthy upstream by the
 * strategy: `failover` (the first healthy in order) or `round-robin` (the healthy in turn). Healthy means a connection
 * is up and signed on: a connector's `connect` event puts it in, the close of its last connection (a failed echo
 * closes one) takes it out at once. A request written to a link that dies keeps that connector's outcome (it reverses
 * on its own journal); a reversal or advice a caller sends goes to the upstream that had its original, and so do a
 * repeat and a retransmission of a reversible original (remembered in memory; else, for a reversal, an advice or a
 * repeat, found in a shared PostgreSQL store, whatever node sent it; else a routing rule's, else for a reversal each
 * upstream in turn while it answers "original not found", for an advice the first upstream, for a repeat the
 * strategy's: upstream-group-originals.ts). Each connector
 * records its requests in its transaction log under its upstream name; a request tried again on another upstream (it
 * never reached the wire) is recorded once, with the outcome of its last attempt; one refused by the group's terminal
 * queue is counted and recorded by the upstream whose queue it is, one refused because its route's upstream is down by
 * that upstream, each with the fields 11 and 7 that upstream fills in (`autoFill`), as a request it sent. Its options
 * are checked in upstream-group-checks.ts, each upstream's health followed in upstream-link.ts, its tries (a chosen
 * upstream, or the strategy's with failover) made in upstream-group-tries.ts.
 */
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { readMessage, sameDialect } from '@iso8583/codec';
import type { Codec, Iso8583Error, IsoMessage, MessageInput } from '@iso8583/codec';
import { Connector } from './connector.js';
import type { SafReceipt, SafSendOptions, SendOptions } from './connector.js';
import type { EncodedRequest, EncodedResponse } from './relay.js';
import { connectorError } from './errors.js';
import { mtiNamed, mtiText } from './match-key.js';
import { isReversible } from './reversal-message.js';
import { inputError, isMessageObject } from './message-input.js';
import { Router } from './routing.js';
import { Originals, StoredOriginals, followsOriginal, notFound } from './upstream-group-originals.js';
import { UpstreamMetrics } from './upstream-metrics.js';
import { Link } from './upstream-link.js';
import { checkGroupOptions } from './upstream-group-checks.js';
import type { NamedConnector, UpstreamGroupEvents, UpstreamGroupOptions, UpstreamStats, UpstreamStrategy } from './upstream-group-options.js';
import type { TerminalQueue } from './terminal-queue.js';
import { sendOptionsProblem } from './send-options.js';
import { FILLS, RELAY, REQUEST, TEXT } from './upstream-group-kinds.js';
import { UpstreamTries } from './upstream-group-tries.js';
import type { TryCounts } from './upstream-group-tries.js';
import type { Kind } from './upstream-group-kinds.js';

const silent = pino({ level: 'silent' });

/** Several named upstreams behind one `request`/`sendMessage` API (see the file's opening comment). */
export class UpstreamGroup extends EventEmitter<UpstreamGroupEvents> {
  /** The strategy. */
  readonly strategy: UpstreamStrategy;
  /** The connectors by upstream name, in order. */
  readonly connectors: ReadonlyMap<string, Connector>;
  /** The Registry of the group's metrics. */
  readonly registry: Registry;
  /**
   * The codec of the one dialect every upstream speaks (the first's); `undefined` when their dialects differ: a wire
   * image (`POST /raw`) cannot then be read before its upstream is known, and a message object is packed by each
   * upstream in its own dialect.
   */
  readonly codec: Codec | undefined;
  private readonly links: Link[];
  private readonly byName = new Map<string, Link>();
  private readonly router: Router;
  private readonly metrics: UpstreamMetrics;
  private readonly logger: Logger;
  private readonly originals: Originals<Link>;
  /** Where any node sent an original, by a shared store (several upstreams, one in PostgreSQL at least); else undefined. */
  private readonly stored: StoredOriginals<Link> | undefined;
  private readonly tries: UpstreamTries;
  /**
   * The upstream whose per-terminal queue is the group's one queue (its first with `terminalQueue` on; its settings
   * and terminal lock): it counts and records the requests the queue refuses.
   */
  private readonly queueHolder: Connector | undefined;

  constructor(options: UpstreamGroupOptions) {
    super();
    const { upstreams: list, names, strategy, maxOriginals, routes } = checkGroupOptions(options);
    const isNamed = (u: unknown): u is NamedConnector => (u as NamedConnector)?.connector instanceof Connector;
    this.strategy = strategy;
    this.logger = (options.logger ?? silent).child({ group: names.join(',') });
    // Every connector is made before any listens, so a bad option of the third throws before the first connects.
    const connectors = list.map((u) => (u instanceof Connector ? u : isNamed(u) ? u.connector : new Connector(u)));
    this.links = connectors.map((c, i) => new Link(names[i] as string, c));
    // Routing reads a request's fields as the first upstream's dialect puts them on the wire (field 3 is n 6 in all).
    this.router = new Router(routes, (connectors[0] as Connector).codec.dialect);
    this.originals = new Originals(maxOriginals, this.links);
    this.stored = StoredOriginals.of(this.links);
    this.queueHolder = connectors.find((c) => c.terminalQueue !== undefined);
    for (const link of this.links) {
      if (link.connector.transactions !== undefined) link.connector.transactions.upstream = link.name;
      link.connector.outcomes.trackTransactions();
      this.watch(link);
    }
    this.connectors = new Map(this.links.map((l) => [l.name, l.connector]));
    const first = (this.links[0] as Link).connector.codec;
    this.codec = this.links.every((l) => sameDialect(l.connector.codec.dialect, first.dialect)) ? first : undefined;
    this.metrics = new UpstreamMetrics(
      this.links.map((l) => ({ name: l.name, up: () => l.up, inFlight: () => l.inFlight, safDepth: () => l.connector.stats().safDepth })),
      options.registry,
    );
    this.registry = this.metrics.registry;
    this.tries = new UpstreamTries(this.links, strategy, this.originals, this.metrics);
  }

  /**
   * Starts every upstream. Resolves when the first is up; rejects with the first upstream's connect error when none
   * can connect (each keeps retrying with backoff and joins when it recovers). An upstream still on its first connect
   * attempt then is connecting, not down: a request routed to it waits for that attempt (within the request's time);
   * once that attempt failed, one is refused at once (`ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN`).
   */
  connect(): Promise<void> {
    // A first attempt that ends without a connection event or a connect failure (a start refused: journal locked,
    // `beforeConnect` threw) ends "connecting" too, or the upstream would never count as down.
    const attempts = this.links.map((l) =>
      l.connector.connect().finally(() => {
        l.connecting = false;
      }),
    );
    return Promise.any(attempts).then(
      () => undefined,
      (err: AggregateError) => {
        throw err.errors[0] as Error;
      },
    );
  }

  /** Starts every upstream without waiting for a connection (journals opened); rejects with the first failure. */
  started(): Promise<void> {
    return Promise.all(this.links.map((l) => l.connector.started())).then(() => undefined);
  }

  /**
   * Sends one message (XML, JSON text, or an object) to the upstream it routes to; the answer comes in the same form.
   * With `saf: true` the advice is stored in that upstream's SAF queue (up or down) and the answer is its receipt.
   */
  sendMessage(input: string, options?: SendOptions): Promise<string>;
  /** Stores an advice object in the SAF queue of the upstream it routes to; resolves with the receipt once journaled. */
  sendMessage(input: MessageInput, options: SafSendOptions): Promise<SafReceipt>;
  /** Sends a message object and returns the response object. */
  sendMessage(input: MessageInput, options?: SendOptions): Promise<IsoMessage>;
  sendMessage(input: string | MessageInput, options?: SendOptions): Promise<string | IsoMessage | SafReceipt> {
    let message: MessageInput;
    try {
      if (typeof input !== 'string' && !isMessageObject(input)) throw inputError();
      message = typeof input === 'string' ? readMessage(input).message : input;
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.run(message, typeof input === 'string' ? TEXT : REQUEST, input, options) as Promise<string | IsoMessage | SafReceipt>;
  }

  /** Stores an advice in the SAF queue of the upstream it routes to; resolves with the receipt once journaled. */
  request(message: MessageInput, options: SafSendOptions): Promise<SafReceipt>;
  /** Sends a message object to the upstream it routes to and resolves with the response object. */
  request(message: MessageInput, options?: SendOptions): Promise<IsoMessage>;
  request(message: MessageInput, options?: SendOptions): Promise<IsoMessage | SafReceipt> {
    if (!isMessageObject(message)) return Promise.reject(inputError());
    return this.run(message, REQUEST, message, options) as Promise<IsoMessage | SafReceipt>;
  }

  /** {@link Connector.relay} through the upstream the decoded view routes to (the same choice as `request`). */
  relay(request: EncodedRequest, options?: SendOptions): Promise<EncodedResponse> {
    if (request === null || typeof request !== 'object' || !isMessageObject(request.message)) return Promise.reject(inputError());
    return this.run(request.message, RELAY, request, options) as Promise<EncodedResponse>;
  }

  /**
   * The names of the upstreams that are up (a connection signed on), in order; one still on its first connect attempt
   * (`connecting` in {@link UpstreamGroup.stats}) is not healthy: the strategy sends it nothing.
   */
  healthy(): string[] {
    return this.links.filter((l) => l.up).map((l) => l.name);
  }

  /** Each upstream's state (`up`, `connecting` or `down`: {@link UpstreamStats.state}) and counters, by name. */
  stats(): Record<string, UpstreamStats> {
    const out: Record<string, UpstreamStats> = {};
    for (const l of this.links) {
      // Defined, not assigned: an upstream named `__proto__` is an entry like any other, not the object's prototype.
      const stats: UpstreamStats = { state: l.up ? 'up' : l.connecting ? 'connecting' : 'down', unavailable: l.unavailable, downs: l.downs, ...l.connector.stats() };
      Object.defineProperty(out, l.name, { value: stats, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  /**
   * The group's totals since the start: each request handed to the group counted once, however many upstreams it was
   * tried on, settled by the outcome its caller got (a response, a timeout, an error), with each upstream's own
   * reversal and SAF attempts (as a lone connector counts them): its connectors' counts less the tries superseded
   * ({@link UpstreamGroup.supersededTries}). Each upstream's `stats()` (and the gateway's `/stats`) counts every try.
   */
  totals(): { requests: number; responses: number; timeouts: number; errors: number } {
    const t = { requests: 0, responses: 0, timeouts: 0, errors: 0 };
    for (const l of this.links) {
      const s = l.connector.stats();
      t.requests += s.requests;
      t.responses += s.responses;
      t.timeouts += s.timeouts;
      t.errors += s.errors;
    }
    const x = this.tries.superseded;
    return { requests: t.requests - x.requests, responses: t.responses, timeouts: t.timeouts - x.timeouts, errors: t.errors - x.errors };
  }

  /**
   * The tries since the start whose outcome the caller did not get (a request tried again on another upstream, or
   * answered with an earlier try's error), as their upstreams counted them (each a request and a timeout or an error).
   */
  supersededTries(): TryCounts {
    return { ...this.tries.superseded };
  }

  /** Closes every upstream (each drains, signs off, keeps its unanswered reversals); no upstream is reported down for it. */
  close(): Promise<void> {
    return Promise.all(this.links.map((l) => l.connector.close())).then(() => this.metrics.release());
  }

  /** Aborts every upstream (pending requests fail with `err` or `ISO8583_ERR_CONNECTOR_CLOSED`); no upstream is reported down for it. */
  destroy(err?: Error): Promise<void> {
    return Promise.all(this.links.map((l) => l.connector.destroy(err))).then(() => this.metrics.release());
  }

  // ---- choosing the upstream ----

  /**
   * With `terminalQueue` on, a request takes its terminal's turn in the group's one queue before the upstream is picked
   * (so one terminal has one request at the banks at a time, whatever upstream each goes to); the connector then does
   * not queue it again. Advices stored with `saf: true` are not queued (as on a lone connector). A request the queue
   * refuses (full, waited too long, its deadline) never reaches an upstream: the queue's connector counts and records
   * it, under its upstream name, so that it has its one record as on a lone connector.
   */
  private run(message: MessageInput, kind: Kind, input: unknown, options: SendOptions | undefined): Promise<unknown> {
    const bad = sendOptionsProblem(options);
    if (bad !== undefined) return Promise.reject(bad);
    const saf = kind !== RELAY && options?.saf === true;
    if (message['11'] == null && !saf) kind += FILLS;
    if (this.queueHolder === undefined || saf || message['41'] == null) return this.choose(message, kind, input, options, saf, false);
    const holder = this.queueHolder;
    return holder.outcomes.queued(holder.terminalQueue as TerminalQueue, message, options?.deadline, () => this.choose(message, kind, input, options, saf, true), options?.signal, options?.timeout);
  }

  /** Picks the upstream (see `run`); `lane`: the request holds its terminal's turn in the group's queue. */
  private choose(message: MessageInput, kind: Kind, input: unknown, options: SendOptions | undefined, saf: boolean, lane: boolean): Promise<unknown> {
    const mti = mtiText(message['0']);
    const reversible = isReversible(mti);
    // A reversible request goes by its routing rule first: a true repeat has all a rule looks at (card, class, processing
    // code, acquirer, receiver) as its original had, so it goes where its original went; an unrelated one sharing only a
    // STAN and terminal is not drawn from its own bank. Else, of a transaction an upstream holds (in flight or being
    // reversed there), to that upstream, up or not, whose connector refuses it (`ISO8583_ERR_CONNECTOR_DUPLICATE_KEY`):
    // another bank, or the same bank by another link, could approve it too, or the first's reversal undo that approval.
    const ruled = reversible ? this.router.route(message) : undefined;
    if (reversible && ruled === undefined) {
      const holder = this.holderOf(message);
      if (holder !== undefined) return this.tries.via(holder, kind, input, options, lane);
    }
    // A reversal or an advice (and their repeats) goes to the upstream of its original, up or not: only that host can
    // undo or complete it. A repeat (x0x1), or the original sent again as it was (0200 again: a retransmission), goes to
    // its original's upstream, answered or not, or is refused (its answer may never have reached the terminal: another
    // bank would approve it as new). Its original is known by the one rule (STAN, terminal; acquirer and card agreeing);
    // a resend without field 41 is not looked for (a STAN alone names no transaction), a repeat is.
    const follows = followsOriginal(mti);
    const again = reversible && ruled === undefined && message['11'] != null && (mti[3] === '1' || message['41'] != null);
    const known = follows || again ? this.originals.of(message) : undefined;
    if (follows && known !== undefined) return this.tries.via(known, kind, input, options, lane);
    // Not remembered here (another node sent it, or this process restarted): a shared store says where any node sent it
    // (upstream-group-originals.ts), asked only for a reversal, an advice or a repeat, never for a plain request. None
    // recorded: no node sent it within the store's retention (a repeat then goes as new, by the strategy).
    if (known === undefined && this.stored !== undefined && message['41'] != null && (follows || (again && mti[3] === '1'))) {
      // The store cannot answer: refused (`ISO8583_ERR_CONNECTOR_STORE`), counted and recorded by the first upstream.
      const first = (this.links[0] as Link).connector;
      const rule = reversible ? ruled : this.router.route(message);
      return this.stored.find(message).then(
        (found) => (follows && found !== undefined ? this.tries.via(found, kind, input, options, lane) : this.place(message, kind, input, options, saf, lane, found, rule)),
        (err: Iso8583Error) => Promise.reject(first.outcomes.unsent(message, err)),
      );
    }
    return this.place(message, kind, input, options, saf, lane, again ? known : undefined, reversible ? ruled : this.router.route(message));
  }

  /**
   * Sends `message` to the upstream of its original (`repeatOf`, a repeat's or a resend's), else where its routing rule
   * says (`ruled`), else (a reversal or an advice of an original not known: upstream-group-originals.ts) to the first upstream,
   * else by the strategy; refused while that upstream is down (but a `saf` advice: its queue keeps it).
   */
  private place(message: MessageInput, kind: Kind, input: unknown, options: SendOptions | undefined, saf: boolean, lane: boolean, repeatOf: Link | undefined, ruled: string | undefined): Promise<unknown> {
    const mti = mtiText(message['0']);
    const follows = followsOriginal(mti);
    // A reversal of an original known nowhere: each upstream in turn, from the first, while it answers "original not
    // found" (25; a bank that never had the original undoes nothing): the one that had it reverses it.
    if (follows && mti[1] === '4' && repeatOf === undefined && ruled === undefined && !saf && this.links.length > 1) {
      return this.reverseInTurn(message, kind, input, options, lane, 0);
    }
    const routed = repeatOf?.name ?? ruled ?? (follows && this.links.length > 1 ? (this.links[0] as Link).name : undefined);
    if (routed !== undefined) {
      const link = this.byName.get(routed) as Link;
      // Stored and forwarded: the upstream's queue keeps it until the upstream is back.
      // Down, not still on its first connect attempt (connecting: the request waits for it, as on a lone connector).
      if (link.down && !saf) {
        link.unavailable += 1;
        this.metrics.refused(link.name);
        const why = follows ? 'that its original went to (else the first)' : repeatOf !== undefined ? 'that its original went to' : 'that the routing rule names';
        const err = connectorError('ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN', `the upstream ${routed} ${why} is down`, { mti: mtiNamed(mti) });
        // Counted (requests, errors, failures by code) and recorded by that upstream's connector, as its own refusals are.
        return Promise.reject(link.connector.outcomes.unsent(message, err));
      }
      this.originals.remember(message, link);
      return this.tries.via(link, kind, input, options, lane);
    }
    return this.tries.attempt(message, kind, input, options, lane, undefined);
  }

  /**
   * A reversal whose original's upstream is known nowhere (not remembered, not in a shared store: no store, or older
   * than its retention), sent to each upstream in turn (in order, from `at`) while the answer is "original not found"
   * (`notFound`: 25, or the dialect's code for it): the answer of the first that is not, else the last one's. An
   * upstream down on the way, which may have the original, stops the turn: refused as that one's
   * (`ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN`, 91: the terminal sends it again later), never ended by the others' 25. An
   * error (a timeout, ...) ends the turn as that upstream's outcome.
   */
  private reverseInTurn(message: MessageInput, kind: Kind, input: unknown, options: SendOptions | undefined, lane: boolean, at: number): Promise<unknown> {
    const link = this.links[at] as Link;
    const last = at + 1 === this.links.length;
    if (link.down) return this.place(message, kind, input, options, false, lane, link, undefined);
    return this.tries.via(link, kind, input, options, lane).then((answer) =>
      !last && notFound(link.connector.codec.dialect, message, kind, answer) ? this.reverseInTurn(message, kind, input, options, lane, at + 1) : answer,
    );
  }

  /** The upstream holding the transaction of `message` (in flight or being reversed there), if one does. */
  private holderOf(message: MessageInput): Link | undefined {
    for (const l of this.links) if (l.holds(message)) return l;
    return undefined;
  }

  /** Health from the connector's events (upstream-link.ts): each change logged, a down counted, then emitted. */
  private watch(link: Link): void {
    this.byName.set(link.name, link);
    link.watch({
      up: () => {
        this.logger.info({ upstream: link.name }, 'upstream up');
        if (this.listenerCount('up') > 0) this.emit('up', { upstream: link.name });
      },
      down: (_, code) => {
        this.metrics.down(link.name);
        this.logger.warn({ upstream: link.name, code }, 'upstream down');
        if (this.listenerCount('down') > 0) this.emit('down', { upstream: link.name, code });
      },
    });
  }
}

/** Creates an upstream group; options (and every upstream's) are checked before any socket opens. */
export function createUpstreamGroup(options: UpstreamGroupOptions): UpstreamGroup {
  return new UpstreamGroup(options);
}
