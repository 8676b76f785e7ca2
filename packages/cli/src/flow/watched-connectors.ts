/**
 * What a flow's sequence sees of `context.connectors`: each connector and upstream group with its sends watched for
 * the message's book (message-answers.ts), so that every approval the sequence gets is in the book. A sequence sees
 * the public members only: `request`, `sendMessage` and `relay`, watched (each request's fields taken as it is sent,
 * the answer as it comes); a group's `connectors`, each of them watched the same way; the other public members as they
 * are (`name`, `options`, `codec`, `stats()`, `on()`, ...). Every other member reads as `undefined`: the connector's
 * internal sends (`exchangeResponse`, its private `exchange` and request path, a group's own picking and sending) would
 * return an answer the book never sees, so an approval no reversal could reach.
 */
import { EventEmitter } from 'node:events';
import type { IsoMessage } from '@iso8583/codec';
import type { SendOptions } from '@iso8583/connector';
import type { SequenceContext } from '@iso8583/inbound';
import { LINK_SENDS } from '../link-sends.js';
import { joinedSignal } from '../joined-signal.js';
import { filledOf, sentOf } from './answered.js';
import type { MessageAnswers } from './message-answers.js';

/** An object's own members (`constructor`, `toString`, ...; not the `__` accessors): read as they are, on any object. */
const OBJECT_MEMBERS: ReadonlySet<PropertyKey> = new Set(Object.getOwnPropertyNames(Object.prototype).filter((k) => !k.startsWith('__')));

/**
 * The other public members of a connector (connector.ts) and of an upstream group (upstream-group.ts), as they are, an
 * event emitter's methods (both are one) and an object's ({@link OBJECT_MEMBERS}): none sends a request and answers
 * it. A group's `connectors` is watched.
 */
const PASSED: ReadonlySet<PropertyKey> = new Set([
  ...['name', 'options', 'codec', 'matchKey', 'framing', 'logger', 'registry', 'transactions'],
  ...['connect', 'started', 'store', 'flushSaf', 'safNextDue', 'journalHalted', 'close', 'destroy', 'stats'],
  ...['strategy', 'healthy'],
  ...Object.getOwnPropertyNames(EventEmitter.prototype).filter((k) => k !== 'constructor' && !k.startsWith('_')),
  ...OBJECT_MEMBERS,
]);

/**
 * The send options with `answeredBy` telling `book` too (the caller's own `answeredBy` is still told first): `sent` is
 * what the reversal needs of the request, taken as it was sent (`sentOf`), and the answer is copied as it comes (before
 * the caller's `answeredBy` and the caller have it), so that what the sequence does with either afterwards changes no
 * reversal.
 */
function telling(options: SendOptions | undefined, sent: IsoMessage | string, book: MessageAnswers): SendOptions {
  const own = options?.answeredBy;
  return {
    ...options,
    answeredBy: (upstream, answer, request) => {
      const kept = { ...answer };
      const filled = filledOf(request);
      try {
        own?.(upstream, answer, request);
      } finally {
        book.answered(filled === undefined ? { sent, answer: kept, upstream } : { sent, answer: kept, upstream, filled });
      }
    },
  };
}

/** A group's `connectors` (a Map by upstream name) with each connector watched for `book`. */
function watchedMap(map: ReadonlyMap<unknown, unknown>, book: MessageAnswers): ReadonlyMap<unknown, unknown> {
  return new Map([...map].map(([name, c]) => [name, c !== null && typeof c === 'object' ? watched(c, book) : c]));
}

/**
 * `target` (a connector or a group, as the flow gives it) whose answers `book` keeps: its sends watched, its other
 * public members as they are (methods called on it; one that returns it returns the watched one), anything else
 * `undefined` (see the file's comment). A symbol key
 * reads as it is (an event emitter's own, `util.inspect`'s): no send has one.
 */
function watched(target: object, book: MessageAnswers): object {
  let connectors: ReadonlyMap<unknown, unknown> | undefined;
  return new Proxy(target, {
    get(t, key, self: object) {
      if (typeof key === 'string' && !LINK_SENDS.has(key) && !PASSED.has(key)) {
        if (key !== 'connectors') return undefined;
        const map: unknown = Reflect.get(t, key, t);
        return map instanceof Map ? (connectors ??= watchedMap(map, book)) : undefined;
      }
      const value: unknown = Reflect.get(t, key, t);
      if (typeof value !== 'function') return value;
      if (OBJECT_MEMBERS.has(key)) return value;
      if (!LINK_SENDS.has(key)) {
        // A method that returns its object (an event emitter's `on`, `once`, `setMaxListeners`: chained) returns
        // the watched one, never the connector itself, whose sends the book would not see.
        const method = value as (...a: unknown[]) => unknown;
        return (...a: unknown[]): unknown => {
          const r = method.apply(t, a);
          return r === t ? self : r;
        };
      }
      const send = value as (s: unknown, o: SendOptions) => unknown;
      return (sent: unknown, options?: SendOptions): unknown => send.call(t, sent, telling(options, sentOf(sent, key === 'relay'), book));
    },
    has(t, key) {
      const hidden = typeof key === 'string' && !LINK_SENDS.has(key) && !PASSED.has(key) && key !== 'connectors';
      return !hidden && Reflect.has(t, key);
    },
  });
}

/**
 * The context with its `connectors` watched for `book` (made on first read; every other member the context's own),
 * and its `signal` aborted by `stop` as well as by the endpoint (made on first read: the flow's stop gives up a
 * sequence whose terminal has gone, undelivered-approvals.ts `abandon`).
 */
export function watchedContext(context: SequenceContext, book: MessageAnswers, stop?: AbortSignal): SequenceContext {
  let connectors: Record<string, unknown> | undefined;
  let signal: AbortSignal | undefined;
  const signalOf = (): AbortSignal | undefined => {
    const own = context.signal;
    if (stop === undefined) return own;
    return (signal ??= own === undefined ? stop : joinedSignal(own, stop));
  };
  const targets = new Map<PropertyKey, object>();
  const watchConnectors = (): Record<string, unknown> =>
    new Proxy(context.connectors, {
      get(t, key) {
        const target: unknown = Reflect.get(t, key);
        if (target === null || typeof target !== 'object') return target;
        let one = targets.get(key);
        if (one === undefined) targets.set(key, (one = watched(target, book)));
        return one;
      },
    });
  return new Proxy(context, {
    get(t, key) {
      if (key === 'connectors') return (connectors ??= watchConnectors());
      if (key === 'signal') return signalOf();
      const value: unknown = Reflect.get(t, key, t);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}
