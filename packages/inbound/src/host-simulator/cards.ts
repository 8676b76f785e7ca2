import { luhnValid } from '@iso8583/codec';

/** One card account of the simulated issuer. */
export interface SimulatedCard {
  /** The available balance in minor units (cents). */
  balance: number;
  /** The expiry date as `YYMM`; a transaction after the end of that month is declined with 54. Default: never expires. */
  expiry?: string;
  /** A blocked card is declined with 14 (invalid card). Default `false`. */
  blocked?: boolean;
}

/** A card number the simulated issuer knows: 12 to 19 digits that pass the Luhn check of ISO/IEC 7812 (the codec's). */
export function validCardNumber(pan: string): boolean {
  return /^\d{12,19}$/.test(pan) && luhnValid(pan);
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
