/**
 * Message traces (`--log-messages`, and the `debug` and `trace` log levels): every message a command moves, in and
 * out, logged with its direction, peer and latency, like SocketQueue's `--vv`. Card data is masked as `describe()`
 * masks it (PAN first 6 and last 4, track data after the separator, PIN block, CVV and EMV data hidden); no field value
 * reaches the log any other way.
 *
 * Levels: with `--log-messages`, each message at `info` with its fields (the `describe()` lines); without it, a summary
 * line (MTI, STAN, terminal, response code) at `debug` and the fields at `trace`.
 *
 * An inbound endpoint's reply is traced as it was written (its `onReply`): a sequence's result that does not pack shows
 * as the 96 the client got, never as the values the sequence gave; one its connection's destroy then cut before it
 * left has a second line saying it was cut (`cut: true`).
 *
 * A message is named and masked by the dialect of the link it travels: through an upstream group, the dialect of the
 * upstream that took it (the group tells it, send option `routedTo`), both the request and its answer. It is masked
 * by the marks of the other dialects it crosses too (`alsoMaskedBy`: a gateway's terminals' and banks' dialects, a
 * flow's): a field the terminals' dialect marks as CVV is hidden on the bank's side, whose dialect calls it free text.
 *
 * A message a link sends is traced once the link took it: its `->` line is written when the answer (or a failure after
 * the write: no answer in time, the connection lost, an answer that does not decode) comes, so a request refused
 * before it was packed and sent (an option out of range, an invalid field) shows no `->` line and none of its values.
 * A message sent is traced as it went on the wire (packed, then read back: `"11": 618164` as `"618164"`, `"41": 992468`
 * as the `"00992468"` of an `n 8` field 41), as it was given when it does not pack; a message the gateway relays (the
 * decoded view of the bytes that go upstream as they came) as it is, never packed a second time. The link's own messages are traced
 * too (`wrap`): each attempt of its reversals and SAF entries (`->`, with `saf` the entry's kind and its `attempt`) and
 * its answer (`<-`, with the latency and response code), from the connector's `saf` events: MTI, STAN, terminal and
 * response code, the fields the events carry (never card data).
 *
 * The summary shows a value only in the shape of its field (MTI 4 digits, STAN 1-6 digits, terminal 1-16 printable
 * Latin-1 characters, past the 8 of field 41 without a card-shaped digit run, response code 1-3 letters or digits); another
 * is `invalid`.
 */
import { createCodec, describe, maskDigitRuns, readMessage, relaysBytes, responseMti } from '@iso8583/codec';
import type { Codec, Dialect, IsoMessage } from '@iso8583/codec';
import type { Connector, SafEvent } from '@iso8583/connector';
import type { ReplyObserver, Sequence } from '@iso8583/inbound';
import type { Logger } from 'pino';
import { marksBeyond, maskByMarks } from './trace-marks.js';
import type { Mark } from './trace-marks.js';

/** `in`: received by this process; `out`: sent by it. */
export type TraceDirection = 'in' | 'out';

/** Options of {@link createTracer}. */
export interface TracerOptions {
  /** The process logger. */
  logger: Logger;
  /**
   * The dialect that names the fields (a built-in name or a loaded dialect); through an upstream group, the dialect of
   * the upstream a message went to wins. Default `iso87ascii`.
   */
  dialect?: Dialect | string;
  /** `--log-messages`: every message at `info`, with its fields. Default `false` (`debug` and `trace` only). */
  logMessages?: boolean;
  /**
   * The other dialects the messages cross (a built-in name or a loaded dialect: a gateway's terminals' and banks'
   * dialects, every dialect of a flow): a field one of them marks sensitive is masked as it marks it too, besides the
   * marks of the message's own dialect (a field marked differently, masked both ways). Default: none.
   */
  alsoMaskedBy?: readonly (Dialect | string)[];
}

/** What a tracer logs about one message besides its fields. */
export interface TraceContext {
  /** Which link: `pos`, `upstream`, `host`, `http`, ... */
  side: string;
  /** The other end, `HOST:PORT`. */
  peer: string;
  /** For an answer: milliseconds since its request. Default: none. */
  latencyMs?: number;
  /** For a request that left and got no answer: the failure's code. Default: none. */
  failure?: string;
  /** For an inbound reply: its connection's destroy cut it before it left (`onReply`'s `cut`). Default: false. */
  cut?: boolean;
  /**
   * The dialect that names and masks this message's fields: the one of the upstream it went to or came from (an
   * upstream group's, told by `routedTo`). Default: the tracer's `dialect`.
   */
  dialect?: Dialect;
  /** For an attempt of a reversal or SAF entry (and its answer): the entry's kind and the attempt's number. Default: none. */
  saf?: { kind: SafEvent['kind']; attempt: number };
  /**
   * For a message sent that is the decoded view of its wire image (the gateway's relay: the bytes the POS side decoded
   * go upstream as they came): the dialect of those bytes. When it is the link's, the message is shown as it is, not
   * packed and read back again (it is what went on the wire already). Default: none (packed and read back).
   */
  decodedIn?: Dialect;
}

/** Logs the messages a command moves. */
export interface MessageTracer {
  /** Whether a trace line would be written at all (nothing is computed otherwise). */
  readonly enabled: boolean;
  /** Logs one message. Never throws (a message it cannot show is logged as such). */
  message(direction: TraceDirection, message: unknown, context: TraceContext): void;
  /**
   * An inbound endpoint's `sequence` and `onReply` options, traced: each message the sequence is given (`in`), and each
   * reply the endpoint wrote (`out`, with the latency): the one that went, not what the sequence returned (a reply that
   * does not pack goes as a 96). With traces off, the sequence as it is and no `onReply`.
   */
  endpoint(side: string, sequence: Sequence): { sequence: Sequence; onReply?: ReplyObserver };
  /** `request` and `sendMessage` of `link`, logged: the request `out`, the answer `in` (with the latency). */
  link<T extends LinkLike>(side: string, peer: string, link: T): Pick<T, 'request' | 'sendMessage'>;
  /**
   * `link` itself (every other method and property as they are) with its `request` and `sendMessage` logged, and the
   * attempts of its reversals and SAF entries (a connector's, an upstream group's connectors') with their answers.
   */
  wrap<T extends LinkLike>(side: string, peer: string, link: T): T;
}

/** What {@link MessageTracer.link} wraps: a connector, an upstream group. */
export interface LinkLike {
  /** Sends a message object and resolves with the answer. */
  request: (...args: never[]) => Promise<unknown>;
  /** Sends XML, JSON text or an object and resolves with the answer in the same form. */
  sendMessage: (...args: never[]) => Promise<unknown>;
}

/** What an upstream group's `routedTo` (send options) tells: the connector of the upstream a request went to. */
interface Routed {
  readonly codec: { readonly dialect: Dialect };
}

/** The message object of whatever a sequence or a connector takes or returns (an object, XML or JSON text). */
function messageOf(value: unknown): IsoMessage | undefined {
  if (typeof value === 'string') return readMessage(value).message as IsoMessage;
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) return value as IsoMessage;
  return undefined;
}

/** Error codes of a failure after the request was written: it left, and its `->` line is due. */
const SENT_THEN_FAILED: ReadonlySet<string> = new Set(['ISO8583_ERR_CONNECTOR_TIMEOUT', 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST', 'ISO8583_ERR_CONNECTOR_BAD_RESPONSE']);

/** `value` when it is a string in the shape of its field, `invalid` when it is another, `undefined` when absent. */
function shaped(value: unknown, shape: RegExp): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' && shape.test(value) ? value : 'invalid';
}

/**
 * The length of field 41 (`ans 8`): a terminal id of up to 8 characters is shown as it is, as the transaction log and
 * `describe()` show it (an all-digit terminal id passes the Luhn check one time in ten: it is no short PAN for that).
 * A longer value (a dialect's own field 41) is shown only without a card-shaped digit run.
 */
const TERMINAL_LENGTH = 8;

/**
 * The shape of a terminal id in a summary: 1 to 16 printable Latin-1 characters (field 41 is `ans`: `TÉST001`, which
 * the transaction log keeps and its filters accept, shows as it is), no control character (C0, DEL or C1: a CSI,
 * U+009B, would reach a terminal reading the log as an escape sequence).
 */
const TERMINAL_SHAPE = /^[\x20-\x7e\xa0-\xff]{1,16}$/;

/** The summary of a trace line, each value checked against the shape of its field (never a value of another shape). */
function summaryOf(m: IsoMessage): Record<string, string | undefined> {
  const terminal = shaped(m['41'], TERMINAL_SHAPE);
  return {
    mti: shaped(m['0'], /^[0-9]{4}$/),
    stan: shaped(m['11'], /^[0-9]{1,6}$/),
    terminal: terminal === undefined || terminal.length <= TERMINAL_LENGTH || maskDigitRuns(terminal) === terminal ? terminal : 'invalid',
    responseCode: shaped(m['39'], /^[0-9A-Za-z]{1,3}$/),
  };
}

/** The SAF events that end an attempt without an answer (its `code` says why), or the entry itself. */
const ATTEMPT_FAILED: ReadonlySet<SafEvent['stage']> = new Set(['waiting', 'abandoned', 'expired', 'released']);

/** What {@link MessageTracer.wrap} reads of a link's connectors: their `saf` events and their peer. */
type TracedConnector = Pick<Connector, 'on' | 'options'>;

/** The connectors of a link: a connector itself, an upstream group's `connectors`; none for anything else. */
function connectorsOf(link: unknown): TracedConnector[] {
  const l = link as { connectors?: unknown; on?: unknown; options?: unknown };
  if (l.connectors instanceof Map) return [...(l.connectors as Map<string, TracedConnector>).values()];
  return typeof l.on === 'function' && l.options !== null && typeof l.options === 'object' ? [link as TracedConnector] : [];
}

/** Makes the tracer of a command. */
export function createTracer(options: TracerOptions): MessageTracer {
  const { logger } = options;
  const dialect = options.dialect ?? 'iso87ascii';
  // One codec per dialect, made once (a dialect file read once): to show a message sent as it went on the wire
  // (`asSent`), and the dialect it loaded for everything else (never a dialect resolved again on the message path).
  const codecs = new Map<Dialect | string, Codec>();
  const codecFor = (d: Dialect | string): Codec => {
    let codec = codecs.get(d);
    if (codec === undefined) {
      codec = createCodec(d);
      codecs.set(d, codec);
    }
    return codec;
  };
  const dialectFor = (d: Dialect | string): Dialect => (typeof d === 'string' ? codecFor(d).dialect : d);
  const asSent = (m: IsoMessage, d: Dialect | string): IsoMessage => {
    try {
      const codec = codecFor(d);
      return codec.unpack(codec.pack(m));
    } catch {
      return m;
    }
  };
  try {
    // The tracer's dialect loaded now, not on the first message; one that does not load is told on each message.
    codecFor(dialect);
  } catch {
    // Shown as such by `message` (its fields not shown).
  }
  // The marks of the other dialects the messages cross, beyond those of each message's own dialect (made once each).
  const others = (options.alsoMaskedBy ?? []).map(dialectFor);
  const beyond = new Map<Dialect | string, Mark[]>();
  const alsoMasked = (m: IsoMessage, d: Dialect | string): IsoMessage => {
    if (others.length === 0) return m;
    let marks = beyond.get(d);
    if (marks === undefined) {
      marks = marksBeyond(dialectFor(d), others);
      beyond.set(d, marks);
    }
    return maskByMarks(m, marks);
  };
  // Whether bytes in `given` went as they came on a link of `d`: the connector's own rule (`relaysBytes`).
  const wentAsCame = (given: Dialect, d: Dialect | string): boolean => {
    try {
      return relaysBytes(given, dialectFor(d));
    } catch {
      return false;
    }
  };
  const level = options.logMessages === true ? 'info' : 'debug';
  const withFields = (): boolean => options.logMessages === true || logger.isLevelEnabled('trace');
  const enabled = (): boolean => logger.isLevelEnabled(level);

  const message = (direction: TraceDirection, value: unknown, context: TraceContext): void => {
    if (!enabled()) return;
    let m: IsoMessage | undefined;
    try {
      m = messageOf(value);
    } catch {
      m = undefined;
    }
    const arrow = direction === 'in' ? '<-' : '->';
    const head = `${arrow} ${context.side} ${direction === 'in' ? 'from' : 'to'} ${context.peer}`;
    const latency = context.latencyMs === undefined ? {} : { latencyMs: Math.round(context.latencyMs * 1000) / 1000 };
    const base = { direction, side: context.side, peer: context.peer, ...latency };
    if (m === undefined) {
      logger[level](base, `${head}: (a message that cannot be shown)`);
      return;
    }
    // A decoded view of the bytes that went (the relay's, in the link's dialect) is shown as it is: no second pack.
    const decoded = context.decodedIn !== undefined && wentAsCame(context.decodedIn, context.dialect ?? dialect);
    if (direction === 'out' && !decoded) m = asSent(m, context.dialect ?? dialect);
    try {
      m = alsoMasked(m, context.dialect ?? dialect);
    } catch {
      // A dialect that does not resolve (describe fails on it too): no field shown but the MTI.
      m = m['0'] === undefined ? {} : { '0': m['0'] };
    }
    const summary = summaryOf(m);
    const took = context.latencyMs === undefined ? '' : ` in ${base.latencyMs as number} ms`;
    const failed = context.failure === undefined ? '' : ` (no answer: ${context.failure})`;
    const saf = context.saf === undefined ? '' : ` (${context.saf.kind}, attempt ${context.saf.attempt})`;
    const cut = context.cut === true ? ' (cut: the connection closed before it was written)' : '';
    let text = `${head} ${summary.mti ?? '????'}${took}${failed}${saf}${cut}`;
    if (withFields()) {
      let lines: string;
      try {
        lines = describe(m, dialectFor(context.dialect ?? dialect));
      } catch {
        lines = '(fields not shown: the message does not fit the dialect)';
      }
      text += `\n${lines.replace(/^/gm, '  ')}`;
    }
    const extra = { ...(context.failure === undefined ? {} : { code: context.failure }), ...(context.saf === undefined ? {} : { saf: context.saf.kind, attempt: context.saf.attempt }), ...(context.cut === true ? { cut: true } : {}) };
    logger[level]({ ...base, ...summary, ...extra }, text);
  };

  /**
   * Traces the attempts of `c`'s reversals and SAF entries from its `saf` events, as `exchange` traces a request once
   * it settled: at its answer the `->` line then the `<-` line (latency, response code); at a failure after it left
   * (`waiting` with a code, a give-up) the `->` line with the code.
   */
  /** The connectors whose `saf` events are traced already (one in a group is wrapped alone and with its group). */
  const safTraced = new WeakSet<object>();
  const safAttempts = (side: string, c: TracedConnector): void => {
    if (safTraced.has(c)) return;
    safTraced.add(c);
    const peer = `${c.options.host}:${c.options.port}`;
    const sent = new Map<string, number>();
    c.on('saf', (e: SafEvent) => {
      const out: IsoMessage = { '0': e.mti };
      if (e.stan !== undefined) out['11'] = e.stan;
      if (e.terminal !== undefined) out['41'] = e.terminal;
      const saf = { kind: e.kind, attempt: e.attempt };
      if (e.stage === 'sent') {
        sent.set(e.id, performance.now());
        return;
      }
      const t0 = sent.get(e.id);
      if (t0 === undefined) return;
      if (e.stage === 'answered' || e.stage === 'refused') {
        sent.delete(e.id);
        message('out', out, { side, peer, saf });
        const answer: IsoMessage = { ...out, '0': responseMti(e.mti) ?? e.mti, ...(e.responseCode === undefined ? {} : { '39': e.responseCode }) };
        message('in', answer, { side, peer, latencyMs: performance.now() - t0, saf });
      } else if (ATTEMPT_FAILED.has(e.stage)) {
        sent.delete(e.id);
        message('out', out, { side, peer, saf, ...(e.code === undefined ? {} : { failure: e.code }) });
      }
    });
  };

  /**
   * Traces one exchange of a link once it settled: `->` (and `<-` with the latency) for an answer; `->` with the
   * code for a failure after the write; nothing for a request refused before it was sent.
   */
  const exchange = <A>(out: unknown, send: (o: unknown) => Promise<A>, o: unknown, shownIn: (a: A) => unknown, side: string, peer: string, decodedIn?: Dialect): Promise<A> => {
    const started = performance.now();
    // An upstream group tells which upstream took the request (`routedTo`): its dialect names and masks both messages
    // (a field one bank marks sensitive may be plain text to another). A lone link tells nothing: the tracer's dialect.
    let via: Dialect | undefined;
    const given = (o as { routedTo?: unknown } | undefined)?.routedTo;
    const routedTo = (upstream: Routed): void => {
      via = upstream.codec.dialect;
      if (typeof given === 'function') (given as (u: Routed) => void)(upstream);
    };
    let answer: Promise<A>;
    try {
      answer = send(o !== null && typeof o === 'object' ? { ...o, routedTo } : { routedTo });
    } catch (err) {
      answer = Promise.reject(err);
    }
    return answer.then(
      (a) => {
        message('out', out, { side, peer, dialect: via, decodedIn });
        message('in', shownIn(a), { side, peer, latencyMs: performance.now() - started, dialect: via });
        return a;
      },
      (err: unknown) => {
        const code = (err as { code?: unknown } | null)?.code;
        if (typeof code === 'string' && SENT_THEN_FAILED.has(code)) message('out', out, { side, peer, failure: code, dialect: via, decodedIn });
        throw err;
      },
    );
  };

  return {
    get enabled() {
      return enabled();
    },
    message,
    // The level is set once per process: with traces off, the sequence and the links are handed back as they are, so
    // the request path pays nothing for them.
    endpoint: (side, sequence) => !enabled() ? { sequence } : {
      sequence: (received, context) => {
        message('in', received.fields, { side, peer: `${context.remoteAddress}:${context.remotePort}` });
        return sequence(received, context);
      },
      // A reply cut before it left is told again (`cut`): its second line says so.
      onReply: (reply, written) => message('out', reply, { side, peer: `${written.remoteAddress}:${written.remotePort}`, latencyMs: written.latencyMs, cut: written.cut === true }),
    },
    link: <T extends LinkLike>(side: string, peer: string, link: T): Pick<T, 'request' | 'sendMessage'> => {
      // Called in the caller's turn (a request is written in it when a connection is free); a throw is a rejection.
      const traced = (call: (input: unknown, o?: unknown) => Promise<unknown>) => (input: unknown, o?: unknown) =>
        exchange(input, (with_) => call(input, with_), o, (a) => a, side, peer);
      return {
        request: traced(link.request.bind(link) as (input: unknown, o?: unknown) => Promise<unknown>),
        sendMessage: traced(link.sendMessage.bind(link) as (input: unknown, o?: unknown) => Promise<unknown>),
      } as unknown as Pick<T, 'request' | 'sendMessage'>;
    },
    wrap<T extends LinkLike>(side: string, peer: string, link: T): T {
      if (!enabled()) return link;
      for (const c of connectorsOf(link)) safAttempts(side, c);
      const traced = this.link(side, peer, link);
      return new Proxy(link, {
        get: (target, prop) => {
          if (prop === 'request' || prop === 'sendMessage') return traced[prop];
          // The gateway's relay (bytes in, bytes out) is traced by its decoded views.
          if (prop === 'relay' && typeof (target as { relay?: unknown }).relay === 'function') {
            const relay = (target as unknown as { relay(r: { message: unknown }, o?: unknown): Promise<{ message: unknown }> }).relay.bind(target);
            // Its request is the decoded view of the bytes it sends (in `dialect`): shown as it is where they went as they came.
            return (request: { message: unknown; dialect?: Dialect }, o?: unknown) =>
              exchange(request.message, (with_) => relay(request, with_), o, (a) => a.message, side, peer, request.dialect);
          }
          const value: unknown = Reflect.get(target, prop, target);
          // Bound to the object itself: its private fields are not reachable through the proxy.
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
  };
}
