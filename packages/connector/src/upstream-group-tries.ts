/**
 * The tries of an upstream group (upstream-group.ts): a request handed to the upstream a route or its original chose
 * (`via`: no other try), or to one the strategy picks (`attempt`: `failover`, the first healthy in order, or
 * `round-robin`, the healthy in turn), tried on the next healthy upstream while it never reached the wire
 * (upstream-group-failover.ts), or, with none healthy, on each upstream in turn within the request's time. Each try is
 * counted by its upstream (in flight, settled; its connector's `stats()` too), and only one try's transaction record is
 * kept (that of the try whose outcome the caller got), its `at` and `latencyMs` those of the request (from the first
 * try's start to the outcome); the tries whose outcome the caller did not get are counted as superseded
 * ({@link TryCounts}), so that the group's totals count each request once. An original whose field 11 its connector
 * fills in is remembered as that connector sends it.
 */
import { performance } from 'node:perf_hooks';
import type { Iso8583Error, MessageInput } from '@iso8583/codec';
import type { SafSendOptions, SendOptions } from './connector.js';
import type { EncodedRequest, EncodedResponse } from './relay.js';
import { mtiText } from './match-key.js';
import { isReversible } from './reversal-message.js';
import { refusedByKeyHere } from './request-sender.js';
import type { Originals } from './upstream-group-originals.js';
import { triesElsewhere } from './upstream-group-failover.js';
import { wasNeverAccepted } from './request-outcome.js';
import { failedOutcome } from './upstream-metrics.js';
import type { UpstreamMetrics } from './upstream-metrics.js';
import type { Link } from './upstream-link.js';
import type { UpstreamStrategy } from './upstream-group-options.js';
import { IN_TERMINAL_LANE } from './terminal-queue.js';
import type { TransactionRecord } from './transaction-log.js';
import { RECORD_TO } from './transaction-record.js';
import { CONNECT_BY, SENT_AS } from './send-options.js';
import { FILLS, RELAY, REQUEST, TEXT } from './upstream-group-kinds.js';
import type { Kind } from './upstream-group-kinds.js';
import { ignore, onRejected } from './callback-rejection.js';

/**
 * The tries of one request after its first failed: the upstreams `tried`, the error of the last (`last`), and the
 * request's time, by which a try on an upstream that is down must end (`deadline`, a `performance.now()` time): the
 * caller's `deadline` when given, else (`own`) its `timeout` (default the first upstream's `requestTimeout`) from its
 * first try's start. Its further tries on upstreams that are down wait for a connection no longer than it, so that
 * trying every upstream in turn takes no longer than that after the first try: the caller's `deadline` bounds each
 * try whole; the group's own bound only the wait for a connection (`CONNECT_BY`): a try written just before it still
 * gets its whole timeout for the answer. A try the group's own bound ends (never written) answers with the error of
 * the try before it (its connect error, not the deadline).
 */
interface Turns {
  readonly tried: Set<Link>;
  /** The first try's start (`performance.now()`) and wall time (`Date.now()`): the kept record's. */
  readonly start: number;
  readonly at: number;
  readonly deadline: number | undefined;
  readonly own: boolean;
  last: Iso8583Error | undefined;
  /** The record of the try whose error is `last`, and its upstream (its connector's log keeps it). */
  kept: Kept | undefined;
}

/** A try's transaction record held back, with its upstream. */
interface Kept {
  readonly link: Link;
  readonly record: TransactionRecord;
}

/**
 * Tries of the group's requests whose outcome the caller did not get (tried again on another upstream, or an earlier
 * try's error the answer), as their connectors counted them: each a request and a timeout or an error.
 */
export interface TryCounts {
  /** Tries superseded. */
  requests: number;
  /** Of those, tries that timed out. */
  timeouts: number;
  /** Of those, tries that failed otherwise. */
  errors: number;
}

/** How a group's requests go to its upstreams (see the file's note). */
export class UpstreamTries {
  /** The round robin's next upstream (its index). */
  private next = 0;
  /** The tries superseded since the start (see {@link TryCounts}). */
  readonly superseded: TryCounts = { requests: 0, timeouts: 0, errors: 0 };

  constructor(
    /** The group's upstreams, in order. */
    private readonly links: readonly Link[],
    /** The strategy of a request no route nor original places. */
    private readonly strategy: UpstreamStrategy,
    /** Where the group's originals went (their reversals, advices and repeats follow them). */
    private readonly originals: Originals<Link>,
    /** The group's per-upstream metrics. */
    private readonly metrics: UpstreamMetrics,
  ) {}

  /**
   * One try by the strategy; a request that never reached the wire is tried on the next healthy upstream, or, when no
   * upstream is healthy, on each upstream not yet tried in turn (each waits for a connection as a lone connector
   * would), all within the request's time ({@link Turns}). `turns`: the tries before (made at the first failure: a try
   * answered, the common case, needs none).
   */
  attempt(message: MessageInput, kind: Kind, input: unknown, options: SendOptions | undefined, lane: boolean, turns: Turns | undefined): Promise<unknown> {
    const link = this.pick(turns?.tried);
    const start = turns === undefined ? performance.now() : turns.start;
    const at = turns === undefined ? Date.now() : turns.at;
    this.originals.remember(message, link);
    // With another upstream to try, the attempt's record waits: only the last attempt's is kept. With one upstream
    // there is no other try: its connector records it as it settles.
    let record: TransactionRecord | undefined;
    const hold = this.links.length > 1 ? { [RECORD_TO]: (r: TransactionRecord) => (record = r) } : undefined;
    // A try on an upstream that is down (none is up) ends by the request's time; one on a healthy upstream as before.
    const bounded = turns?.deadline !== undefined && !link.up;
    // The group's own bound (no caller's deadline) ends the wait for a connection only: a try written just before it
    // gets its whole timeout for the answer, never cut moments after it left (a timeout then reverses what the host
    // may book). The caller's deadline bounds the whole try, as it bounds the first.
    const tryOptions = !bounded ? options : turns.own ? { ...options, [CONNECT_BY]: turns.deadline } : { ...options, deadline: turns.deadline };
    return this.counted(link, kind, input, tryOptions, hold, lane).then(
      (answer) => {
        if (record !== undefined) link.connector.transactions?.write(asRequest(record, turns));
        return answer;
      },
      (err: Iso8583Error) => {
        // The group's own bound (none of the caller's) ran out on this try: the previous upstream's error is the answer.
        const answer = bounded && turns.own && err?.code === 'ISO8583_ERR_CONNECTOR_DEADLINE' && turns.last !== undefined ? turns.last : err;
        // The record kept is that of the try whose error is the answer: the log says what the caller was told.
        const kept = answer === err ? (record === undefined ? undefined : { link, record }) : turns?.kept;
        const next = this.nextTurns(turns, link, answer, kept, options, start, at);
        // Never written (its `sent` says 'no'): another upstream may take it (upstream-group-failover.ts), unless
        // this one still holds its transaction (its reversal entry could not be ended, so it is being reversed there).
        // Refused for its key by that upstream's own memory (not by a shared store, which may be refusing it for
        // another node that has it in flight) while that upstream holds no such transaction (another one shares its
        // STAN and terminal id): a collision, tried elsewhere too.
        const held = link.holds(message);
        const collision = !held && refusedByKeyHere(err) && message['11'] != null && message['41'] != null && isReversible(mtiText(message['0']));
        if (answer === err && !held && triesElsewhere(err, collision) && this.mayMoveOn(next)) {
          // This try's outcome is not the caller's (another try follows): superseded now, so that the totals never
          // show an error for a request still under way.
          this.supersede(err, 1);
          return this.attempt(message, kind, input, options, lane, next);
        }
        // The previous try's error is the answer (superseded when this try began): this one is superseded instead.
        if (answer !== err && turns !== undefined) {
          this.supersede(answer, -1);
          this.supersede(err, 1);
        }
        if (kept !== undefined) kept.link.connector.transactions?.write(asRequest(kept.record, next));
        throw answer;
      },
    );
  }

  /**
   * The turns after a try on `link` failed with `err` (the answer so far, whose try's record is `kept`): `link` tried, and the request's time (see {@link Turns}) fixed at
   * the first failure, from `start` (the first try's start): the caller's `deadline`, else its `timeout` (default the
   * first upstream's `requestTimeout`) from the start.
   */
  private nextTurns(turns: Turns | undefined, link: Link, err: Iso8583Error, kept: Kept | undefined, options: SendOptions | undefined, start: number, at: number): Turns {
    if (turns !== undefined) {
      turns.tried.add(link);
      turns.last = err;
      turns.kept = kept;
      return turns;
    }
    const own = options?.deadline === undefined;
    const deadline = own ? start + (options?.timeout ?? link.connector.options.requestTimeout) : options.deadline;
    return { tried: new Set([link]), start, at, deadline, own, last: err, kept };
  }

  /**
   * Counts (`by` 1) a try whose outcome the caller did not get (its connector counted it: a request, a timeout or an
   * error), or takes one back (`by` -1: its error became the answer after all); `err` is the try's error. A try its
   * connector refused before accepting it (`wasNeverAccepted`: the in-flight limit, closing, a bad timeout) was never
   * counted there: neither superseded nor taken back, so the totals never subtract what was never added.
   */
  private supersede(err: Iso8583Error, by: 1 | -1): void {
    if (wasNeverAccepted(err)) return;
    this.superseded.requests += by;
    if (err?.code === 'ISO8583_ERR_CONNECTOR_TIMEOUT') this.superseded.timeouts += by;
    else this.superseded.errors += by;
  }

  /**
   * True when another try is due: a healthy upstream not yet tried, or, with none healthy, any upstream not yet tried
   * while the request's time lasts.
   */
  private mayMoveOn(turns: Turns): boolean {
    const left = this.links.filter((l) => !turns.tried.has(l));
    if (left.some((l) => l.up)) return true;
    return left.length > 0 && !this.links.some((l) => l.up) && (turns.deadline === undefined || turns.deadline > performance.now());
  }

  /**
   * One try on `link` (`send`), counted by its upstream: in flight while it runs, then settled (`answered`, `timeout`,
   * `failed`; a request refused before the wire for itself is not: `failedOutcome`); resolves with what the caller gets (`answer`), rejects with the try's error. The one settle block of
   * `attempt` and `via`.
   */
  private counted(link: Link, kind: Kind, input: unknown, options: SendOptions | undefined, hold: SendOptions | undefined, lane: boolean): Promise<unknown> {
    link.inFlight += 1;
    return this.send(link, kind, input, options, hold, lane).then(
      (r) => {
        link.inFlight -= 1;
        this.metrics.settled(link.name, 'answered');
        return this.answer(kind, options, r);
      },
      (err: Iso8583Error) => {
        link.inFlight -= 1;
        const outcome = failedOutcome(err);
        if (outcome !== undefined) this.metrics.settled(link.name, outcome);
        throw err;
      },
    );
  }

  /**
   * Hands the request to `link`'s connector as its caller asked, telling the caller's `routedTo` (a throw, or a rejection, is ignored);
   * `hold` (its record held back) and `lane` (its terminal's turn held) go in the options the connector is given.
   */
  private send(link: Link, kind: Kind, input: unknown, options: SendOptions | undefined, hold: SendOptions | undefined, lane: boolean): Promise<unknown> {
    const c = link.connector;
    const routedTo = options?.routedTo;
    if (routedTo !== undefined) {
      try {
        onRejected(routedTo(c), ignore);
      } catch {
        // The request goes all the same.
      }
    }
    let o = options;
    if (hold !== undefined || lane) {
      o = { ...options, ...hold };
      if (lane) o[IN_TERMINAL_LANE] = true;
    }
    // Field 11 left to the connector: the original is noted as that connector sends it (its STAN known only then).
    if (kind >= FILLS && this.links.length > 1) o = { ...o, [SENT_AS]: (sent: MessageInput) => this.originals.remember(sent, link) };
    const how = kind % FILLS;
    if (how === TEXT) return c.sendMessage(input as string, o);
    if (how === RELAY) return c.relay(input as EncodedRequest, o);
    // `request` (the connector's `sendMessage` of an object is its `request`): a receipt (saf) as the connector gives it;
    // else the channel's response, read by `answer`.
    return o?.saf === true ? c.request(input as MessageInput, o as SafSendOptions) : c.exchangeResponse(input as MessageInput, o);
  }

  /** What the caller of a try answered gets: for `request`, the message of the channel's response (a receipt as it is). */
  private answer(kind: Kind, options: SendOptions | undefined, r: unknown): unknown {
    if (kind % FILLS !== REQUEST || options?.saf === true) return r;
    return (r as EncodedResponse).message;
  }

  /** The healthy upstream by the strategy, not among `tried`; when none is healthy, the first not tried (it waits as a lone connector would). */
  private pick(tried: ReadonlySet<Link> | undefined): Link {
    const n = this.links.length;
    if (n === 1) return this.links[0] as Link;
    if (this.strategy === 'round-robin') {
      for (let i = 0; i < n; i++) {
        const at = (this.next + i) % n;
        const l = this.links[at] as Link;
        if (l.up && tried?.has(l) !== true) {
          this.next = (at + 1) % n;
          return l;
        }
      }
    } else {
      for (const l of this.links) if (l.up && tried?.has(l) !== true) return l;
    }
    return this.links.find((l) => tried?.has(l) !== true) ?? (this.links[0] as Link);
  }

  /** The request to `link`, which a route or its original chose: no other try. */
  via(link: Link, kind: Kind, input: unknown, options: SendOptions | undefined, lane: boolean): Promise<unknown> {
    return this.counted(link, kind, input, options, undefined, lane);
  }
}

/**
 * The kept record of a request tried more than once (`turns`): its `at` and `latencyMs` the request's, from its first
 * try's start to now (its outcome), not its own try's; a request tried once keeps its record as it is.
 */
function asRequest(record: TransactionRecord, turns: Turns | undefined): TransactionRecord {
  if (turns === undefined) return record;
  return { ...record, at: turns.at, latencyMs: Math.round((performance.now() - turns.start) * 1000) / 1000 };
}
