/**
 * Fields the connector can fill in: field 11 (systems trace audit number, STAN: six digits, 000001-999999, then
 * wrapping) and field 7 (transmission date and time, MMDDhhmmss in UTC).
 */
import type { MessageInput } from '@iso8583/codec';
import { connectorError } from './errors.js';
import { integerIn } from './journal-options.js';

/** The highest STAN; the counter goes from 000001 to it, then wraps to 000001. */
const LAST_STAN = 999_999;

/**
 * @internal A connector option (symbol-keyed, so never a documented option): the first STAN its counter gives, 1 to
 * 999999. Tests pin it to stand for a restart that lands where they need; default a random point.
 */
export const STAN_START = Symbol('the first STAN of the counter');

/**
 * True when the message as filled so far (its field 11 the candidate STAN, its field 41 the terminal) names a
 * transaction the connector still holds: armed (in flight) or its reversal under way, read back from the journal too.
 */
export type StanHeld = (message: MessageInput) => boolean;

/**
 * A STAN counter: 000001 to 999999, then 000001 again. Starts at a random point. A random start alone does not keep a
 * restart from landing on a STAN an earlier run left held (a reversal read back from the journal holds its STAN and
 * terminal until it ends), nor the counter, once it wraps, from reaching one: so {@link StanCounter.fill} skips every
 * STAN that `held` says is still held for the message's terminal.
 */
export class StanCounter {
  private value: number;
  /**
   * What still holds a STAN for a terminal (the connector's reversals, once made); `undefined`: nothing is held, no
   * STAN is skipped. Default `undefined`.
   */
  held: StanHeld | undefined;

  /**
   * `start`: the first STAN given, an integer 1 to 999999; default a random point. Another is refused
   * (`ISO8583_ERR_CONNECTOR_OPTIONS`, field `STAN_START`): 0 gave STAN 000000, NaN `000NaN` for ever, -5 `0000-5`,
   * 1.5 `0001.5`, and 1000000 started at 000001.
   */
  constructor(start = 1 + Math.floor(Math.random() * LAST_STAN)) {
    if (!integerIn(start, 1, LAST_STAN)) {
      throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', `the first STAN must be an integer from 1 to ${LAST_STAN}, not ${String(start)}`, { field: 'STAN_START' });
    }
    this.value = start - 1;
  }

  /** The next STAN, six digits, whatever holds it. */
  next(): string {
    this.value = this.value >= LAST_STAN ? 1 : this.value + 1;
    return String(this.value).padStart(6, '0');
  }

  /**
   * Sets field 11 of `out` (a copy the caller owns, field 41 already in it) to the next STAN not held for its terminal
   * (`held`). Held STANs are passed over for good, so the common case is one check; a run of them (the reversals an
   * outage left, which this counter numbered one after another) is passed once. At most one full round of the counter
   * is tried: should every STAN be held, the last one tried is given (and refused, `DUPLICATE_KEY`, as it would be).
   */
  fill(out: Record<string, unknown>): void {
    out['11'] = this.next();
    const held = this.held;
    if (held === undefined) return;
    // `out` is a copy of a message the caller gave (a MessageInput), its field 11 now a STAN.
    const message = out as MessageInput;
    for (let tries = 1; held(message) && tries < LAST_STAN; tries++) out['11'] = this.next();
  }
}

function two(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** Field 7: MMDDhhmmss in UTC. */
export function transmissionTime(date = new Date()): string {
  return (
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds())
  );
}

/** True when {@link autoFilled} fills field 11 of `message`: `fill.stan` (`autoFill.stan`) on and the field absent. */
export function fillsStan(message: Record<string, unknown>, fill: { stan: boolean }): boolean {
  return fill.stan && message['11'] == null;
}

/**
 * `message` with field 11 (from `stan`: the next STAN not held for its terminal) and field 7 (`at`, default now) filled in where `fill` asks and they are
 * absent: the same object when nothing is filled, else a copy (the caller's object is never changed).
 */
export function autoFilled<T extends Record<string, unknown>>(message: T, fill: { stan: boolean; transmissionTime: boolean }, stan: StanCounter, at?: Date): T {
  const needStan = fillsStan(message, fill);
  const needTime = fill.transmissionTime && message['7'] == null;
  if (!needStan && !needTime) return message;
  const out: Record<string, unknown> = { ...message };
  if (needStan) stan.fill(out);
  if (needTime) out['7'] = transmissionTime(at);
  return out as T;
}
