/** One card account of the simulated issuer. */
export interface SimulatedCard {
  /** The available balance in minor units (cents). */
  balance: number;
  /** The expiry date as `YYMM`; a transaction after the end of that month is declined with 54. Default: never expires. */
  expiry?: string;
  /** A blocked card is declined with 14 (invalid card). Default `false`. */
  blocked?: boolean;
}

/** The Luhn (mod 10) check digit test of ISO/IEC 7812 that every PAN passes. */
export function luhnValid(pan: string): boolean {
  if (!/^\d{12,19}$/.test(pan)) return false;
  let sum = 0;
  let double = false;
  for (let i = pan.length - 1; i >= 0; i--) {
    let d = pan.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The PAN of a request: field 2, else the part of track 2 (field 35) before the separator. */
export function panOf(fields: Record<string, unknown>): string | undefined {
  const f2 = fields['2'];
  if (typeof f2 === 'string' && f2.length > 0) return f2;
  const track = fields['35'];
  if (typeof track === 'string') {
    const match = /^;?(\d{12,19})[=D]/.exec(track);
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
}

/** The expiry (`YYMM`) carried by a request: field 14, else the four digits after the track 2 separator. */
export function expiryOf(fields: Record<string, unknown>): string | undefined {
  const f14 = fields['14'];
  if (typeof f14 === 'string' && /^\d{4}$/.test(f14)) return f14;
  const track = fields['35'];
  if (typeof track === 'string') {
    const match = /^;?\d{12,19}[=D](\d{4})/.exec(track);
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
}

/** True when `expiry` (`YYMM`) is before the month of `now` (a card is valid to the end of its expiry month). */
export function isExpired(expiry: string, now: Date): boolean {
  const yy = Number(expiry.slice(0, 2));
  const mm = Number(expiry.slice(2, 4));
  if (!(mm >= 1 && mm <= 12)) return true;
  const year = 2000 + yy;
  const current = now.getUTCFullYear() * 12 + now.getUTCMonth();
  return year * 12 + (mm - 1) < current;
}
