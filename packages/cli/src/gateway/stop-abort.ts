/**
 * What a graceful stop does at its deadline with the requests still at the bank (a bank slower than
 * `--shutdown-deadline`, SocketQueue's 35 s `--request-timeout` against a 10 s stop): it gives up waiting for them
 * first, while every client is still connected, so that each gets the gateway's answer: a POS terminal its 68 (91 for
 * one never written), an HTTP client its 504 (in SocketQueue's shape with `--socketqueue-answers`); the connector
 * reverses each one the bank may have approved (the reversal journaled before the request left, sent while the link is
 * up, else at the next start). Only {@link STOP_ANSWER_GRACE} ms later are the POS and HTTP connections closed. Before,
 * the POS connections were destroyed at the deadline (a terminal got 0 bytes) and the HTTP ones a second later (a reset),
 * and the gateway then logged an answer no client could get.
 */
import { setMaxListeners } from 'node:events';
import { Iso8583Error } from '@iso8583/codec';
import { LINK_SENDS } from '../link-sends.js';
import { joinedSignal } from '../joined-signal.js';

/**
 * Milliseconds between the stop's deadline, when the requests still at the bank are given up (each client answered),
 * and the close of the POS and HTTP connections: the time those answers have to be written.
 */
export const STOP_ANSWER_GRACE = 1_000;

/** The send options the stop's signal is added to: the caller's own `signal` (a client gone), and `saf`. */
interface WithSignal {
  signal?: AbortSignal;
  saf?: unknown;
}

/** `options` with `stop` as its signal too (both, `join`, when it has one); a SAF-stored request (`saf`) as it is: it waits for nothing. */
function withStop(options: unknown, stop: AbortSignal, join: (given: AbortSignal) => AbortSignal): unknown {
  const given = (options ?? {}) as WithSignal;
  if (given.saf !== undefined && given.saf !== false) return options;
  return { ...given, signal: given.signal === undefined ? stop : join(given.signal) };
}

/**
 * The stop's abort of the requests under way: `wrap(link)` is `link` with `stop`'s signal added to each request it
 * sends (its `request`, `sendMessage`, `relay`; a group's `connectors` each wrapped too; every other member as it is), and `abort()` gives them all up at once
 * (`ISO8583_ERR_CONNECTOR_ABORTED`: one never written is dropped, `sent: 'no'`; one written is reversed, `sent:
 * 'maybe'`). A request's own signal (its client gone) keeps its meaning: whichever aborts first says why.
 */
export class StopAbort {
  readonly #controller = new AbortController();
  /**
   * The caller's signals (a client gone: one per POS connection, one per HTTP request) joined with the stop's
   * (joined-signal.ts: nothing left on the stop's signal per request), each once: a POS connection's requests share
   * its joined signal (one listener on the caller's signal, whatever the requests).
   */
  readonly #joined = new WeakMap<AbortSignal, AbortSignal>();
  readonly #who: string;

  /** `who`: what is stopping, as the abort's reason says it (default `the gateway`; a flow's `flow NAME`). */
  constructor(who = 'the gateway') {
    this.#who = who;
    // A request without a signal of its own listens to it (one per request): no leak warning.
    setMaxListeners(0, this.#controller.signal);
  }

  /** `given` joined with the stop's signal, once for each `given`. */
  #join(given: AbortSignal): AbortSignal {
    let joined = this.#joined.get(given);
    if (joined === undefined) this.#joined.set(given, (joined = joinedSignal(given, this.#controller.signal)));
    return joined;
  }

  /** Whether the stop gave up the requests under way. */
  get aborted(): boolean {
    return this.#controller.signal.aborted;
  }

  /**
   * `link` with the stop's signal added to each request it sends; a group's `connectors` (its members by upstream name,
   * which a flow's sequence may send through) each wrapped the same way, so that no send gets around the stop.
   */
  wrap<T extends object>(link: T): T {
    const stop = this.#controller.signal;
    const join = (given: AbortSignal): AbortSignal => this.#join(given);
    // Each method made once per link and kept (read on every request of the POS path and the HTTP routes).
    const made = new Map<PropertyKey, { of: unknown; as: unknown }>();
    let members: { of: ReadonlyMap<unknown, unknown>; as: ReadonlyMap<unknown, unknown> } | undefined;
    return new Proxy(link, {
      get: (target, prop) => {
        const value: unknown = Reflect.get(target, prop, target);
        if (prop === 'connectors' && value instanceof Map) {
          if (members?.of !== value) {
            const map = value as ReadonlyMap<unknown, unknown>;
            members = { of: map, as: new Map([...map].map(([name, c]) => [name, c !== null && typeof c === 'object' ? this.wrap(c) : c])) };
          }
          return members.as;
        }
        if (typeof value !== 'function') return value;
        const kept = made.get(prop);
        if (kept !== undefined && kept.of === value) return kept.as;
        const method = value as (...a: unknown[]) => unknown;
        const as = !LINK_SENDS.has(prop)
          ? method.bind(target)
          : (input: unknown, options?: unknown, ...rest: unknown[]) => method.call(target, input, withStop(options, stop, join), ...rest);
        made.set(prop, { of: value, as });
        return as;
      },
    });
  }

  /** Gives up every request under way (and any sent later): once. */
  abort(): void {
    if (this.aborted) return;
    this.#controller.abort(new Iso8583Error('ISO8583_ERR_CONNECTOR_ABORTED', `${this.#who} is stopping: its shutdown deadline passed`));
  }
}

/** What the stop-deadline warning reads of the config. */
interface StopTimes {
  readonly shutdownDeadline: number;
  readonly requestTimeout: number;
  readonly socketqueue: boolean;
  readonly noReversal: boolean;
}

/**
 * `ISO8583_WARN_SHUTDOWN_DEADLINE`, naming both flags, when a stop's deadline (`--shutdown-deadline`) is shorter than
 * the wait for the bank (`--request-timeout`): a request still at the bank at the deadline is given up (its client
 * answered 68 or 504, the request reversed) rather than waited for. Warned, not changed: the operator may want a short
 * stop. Said with SocketQueue's names (their 35 s wait against the 10 s stop is no one's choice), and when either
 * setting was given (`chosen`); never at the gateway's own defaults (30 s, 10 s), which docs/gateway.md states.
 */
export function shutdownDeadlineWarning(config: StopTimes, chosen: boolean): string | undefined {
  const { shutdownDeadline, requestTimeout } = config;
  if (shutdownDeadline >= requestTimeout || (!config.socketqueue && !chosen)) return undefined;
  return `ISO8583_WARN_SHUTDOWN_DEADLINE: --shutdown-deadline ${shutdownDeadline} is shorter than --request-timeout ${requestTimeout}: ` +
    'a stop gives up the requests still at the bank at its deadline (each client answered 68, or 504 over HTTP; ' +
    `${config.noReversal ? 'NOT reversed: reversal is off' : 'each reversed'}); --shutdown-deadline ${requestTimeout} or more lets them finish`;
}
