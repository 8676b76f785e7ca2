/**
 * Fields the connector can fill in: field 11 (systems trace audit number, STAN: six digits, 000001-999999, then
 * wrapping) and field 7 (transmission date and time, MMDDhhmmss in UTC).
 */

/** A STAN counter: 000001 to 999999, then 000001 again. Starts at a random point so a restart does not repeat STANs. */
export class StanCounter {
  private value: number;

  constructor(start = 1 + Math.floor(Math.random() * 999_999)) {
    this.value = start - 1;
  }

  /** The next STAN, six digits. */
  next(): string {
    this.value = this.value >= 999_999 ? 1 : this.value + 1;
    return String(this.value).padStart(6, '0');
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

/**
 * `message` with field 11 (from `stan`) and field 7 (`at`, default now) filled in where `fill` asks and they are
 * absent: the same object when nothing is filled, else a copy (the caller's object is never changed).
 */
export function autoFilled<T extends Record<string, unknown>>(message: T, fill: { stan: boolean; transmissionTime: boolean }, stan: StanCounter, at?: Date): T {
  const needStan = fill.stan && message['11'] == null;
  const needTime = fill.transmissionTime && message['7'] == null;
  if (!needStan && !needTime) return message;
  const out: Record<string, unknown> = { ...message };
  if (needStan) out['11'] = stan.next();
  if (needTime) out['7'] = transmissionTime(at);
  return out as T;
}
