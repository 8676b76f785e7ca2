/**
 * What the console shows of single transactions: a small ring of the last request/outcome summaries (masked: the
 * PAN as first 6 + last 4, never track data, PIN block, field 55 or field 48, the same fields as a
 * `TransactionRecord`), and the latencies since the last tick for the percentiles. Fed by {@link TransactionRing.wrap},
 * a proxy around whatever requests go through (a connector or an upstream group).
 */
import { isApproved, maskPan, maskTrack, readMessage } from '@iso8583/codec';
import type { Dialect, IsoMessage, MessageInput } from '@iso8583/codec';
import type { RouteTarget, TransactionRecord } from '@iso8583/connector';

/** The most latencies kept between two ticks (a burst beyond it is sampled by its first arrivals). */
const MAX_SAMPLES = 50_000;

/** A field's value as text, when it has one. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** The PAN masked: field 2, else the PAN part of track 2 (35) as `maskTrack` shows it. */
function maskedPan(message: MessageInput): string | undefined {
  const pan = text(message['2']);
  if (pan !== undefined) return maskPan(pan);
  const track = text(message['35']);
  if (track === undefined) return undefined;
  return maskTrack(track).split(/[=D^]/)[0];
}

/** The MTI as shown: four digits, else `invalid` (field 0 of a caller may be anything). */
function mtiText(value: unknown): string {
  const mti = text(value) ?? '';
  return /^\d{4}$/.test(mti) ? mti : 'invalid';
}

/** A masked summary of a request and its outcome, shaped as a `TransactionRecord`. */
export function summaryOf(
  request: MessageInput,
  outcome: { response?: IsoMessage; code?: string },
  latencyMs: number,
  approvals: Pick<Dialect, 'approvalCodes'>,
  upstream: string,
): TransactionRecord {
  const record: TransactionRecord = {
    at: Math.round(Date.now() - latencyMs),
    node: 'console',
    upstream,
    mti: mtiText(request['0']),
    latencyMs: Math.round(latencyMs * 1000) / 1000,
    outcome: 'error',
  };
  const put = (key: keyof TransactionRecord, value: string | undefined): void => {
    if (value !== undefined) (record as unknown as Record<string, unknown>)[key] = value;
  };
  put('pan', maskedPan(request));
  put('processingCode', text(request['3']));
  put('amount', text(request['4']));
  put('currency', text(request['49']));
  put('stan', text(request['11']));
  put('terminal', text(request['41']));
  put('rrn', text(request['37']));
  const response = outcome.response;
  if (response !== undefined) {
    put('responseMti', mtiText(response['0']));
    put('rrn', text(response['37']) ?? record.rrn);
    put('authCode', text(response['38']));
    put('responseCode', text(response['39']));
    record.outcome = isApproved(approvals, response['39']) ? 'approved' : 'declined';
  } else {
    record.outcome = outcome.code === 'ISO8583_ERR_CONNECTOR_TIMEOUT' ? 'timeout' : 'error';
    put('errorCode', outcome.code ?? 'unknown');
  }
  return record;
}

/** A message read from what `sendMessage` takes or gives (XML, JSON text, object); nothing when it does not read. */
function readable(input: unknown): MessageInput | undefined {
  try {
    return readMessage(input as string | MessageInput).message;
  } catch {
    return undefined;
  }
}

/** Options of a {@link TransactionRing}. */
export interface TransactionRingOptions {
  /** How many summaries are kept. Default 50. */
  size?: number;
  /** The dialect whose `approvalCodes` tell approved from declined. Default: `00` approves. */
  approvals?: Pick<Dialect, 'approvalCodes'>;
}

/** The last summaries and the latencies of the current tick. */
export class TransactionRing {
  private readonly size: number;
  private readonly approvals: Pick<Dialect, 'approvalCodes'>;
  private readonly ring: TransactionRecord[] = [];
  private samples: number[] = [];
  private changes = 0;

  /** Options: see {@link TransactionRingOptions}. */
  constructor(options: TransactionRingOptions = {}) {
    this.size = options.size ?? 50;
    this.approvals = options.approvals ?? {};
  }

  /** Adds a summary (the oldest goes once the ring is full). */
  add(record: TransactionRecord): void {
    this.ring.push(record);
    if (this.ring.length > this.size) this.ring.shift();
    if (this.samples.length < MAX_SAMPLES) this.samples.push(record.latencyMs);
    this.changes += 1;
  }

  /** The summaries, newest first. */
  list(limit = this.size): TransactionRecord[] {
    return this.ring.slice(-limit).reverse();
  }

  /** How many summaries were added so far (to tell whether the list changed). */
  get version(): number {
    return this.changes;
  }

  /** The latencies (ms) since the last call, and starts a new tick. */
  takeLatencies(): number[] {
    const out = this.samples;
    this.samples = [];
    return out;
  }

  /**
   * `target` with its `request` and `sendMessage` recorded here (a proxy: everything else is the target's own).
   * `upstream` names it in the summaries.
   */
  wrap<T extends RouteTarget>(target: T, upstream: string): T {
    const request = (message: MessageInput, options?: Parameters<RouteTarget['request']>[1]): Promise<IsoMessage> => {
      const start = performance.now();
      return target.request(message, options).then(
        (response) => {
          this.add(summaryOf(message, { response }, performance.now() - start, this.approvals, upstream));
          return response;
        },
        (err: unknown) => {
          this.add(summaryOf(message, { code: codeOf(err) }, performance.now() - start, this.approvals, upstream));
          throw err;
        },
      );
    };
    const send = (target.sendMessage as LooseSend).bind(target);
    const sendMessage: LooseSend = (input, options) => {
      const start = performance.now();
      const message = readable(input);
      const result = send(input, options);
      if (message === undefined) return result;
      return result.then(
        (answer) => {
          const response = readable(answer) as IsoMessage | undefined;
          this.add(summaryOf(message, response === undefined ? { code: 'unreadable' } : { response }, performance.now() - start, this.approvals, upstream));
          return answer;
        },
        (err: unknown) => {
          this.add(summaryOf(message, { code: codeOf(err) }, performance.now() - start, this.approvals, upstream));
          throw err;
        },
      );
    };
    // The gateway's relay (bytes in, bytes out) is recorded by its decoded view, as `request` is.
    const relayOf = (target as { relay?: unknown }).relay;
    const relay =
      typeof relayOf !== 'function'
        ? undefined
        : (req: { message: MessageInput }, options?: unknown): Promise<{ message: IsoMessage }> => {
            const start = performance.now();
            return (relayOf as (r: unknown, o?: unknown) => Promise<{ message: IsoMessage }>).call(target, req, options).then(
              (answer) => {
                this.add(summaryOf(req.message, { response: answer.message }, performance.now() - start, this.approvals, upstream));
                return answer;
              },
              (err: unknown) => {
                this.add(summaryOf(req.message, { code: codeOf(err) }, performance.now() - start, this.approvals, upstream));
                throw err;
              },
            );
          };
    return new Proxy(target, {
      get(t, key) {
        if (key === 'request') return request;
        if (key === 'relay' && relay !== undefined) return relay;
        if (key === 'sendMessage') return sendMessage;
        const value: unknown = Reflect.get(t, key, t);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      },
    });
  }
}

/** `sendMessage` without its overloads. */
type LooseSend = (input: unknown, options?: unknown) => Promise<unknown>;

/** An error's code, when it has one. */
function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'unknown';
}

/** The `q` quantile (0..1) of `sorted` (ascending), nearest rank; undefined when empty. */
export function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}
