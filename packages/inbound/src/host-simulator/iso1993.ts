/**
 * What the host simulator answers differently to ISO 8583:1993 messages (MTIs 1xxx): network management asks in field
 * 24 (function code) instead of field 70, and a reversal names its original in field 56 instead of field 90. (Field 39
 * is the action code, n 3: the codec's `responseCodeFor`.)
 */

/** Function codes (field 24) of a 1804 the simulator accepts: 801 sign-on, 802 sign-off, 831 echo test. */
export const NETWORK_FUNCTION_CODES: ReadonlySet<string> = new Set(['801', '802', '831']);

/** Field 56 of a 1993 reversal, read: the original's MTI, STAN, local date and time (field 12) and acquirer (32). */
export interface OriginalDataElements {
  mti: string;
  stan: string;
  /** Field 12 of the original (YYMMDDhhmmss); undefined when all zeros (not known). */
  local: string | undefined;
  /** Field 32 of the original; undefined when absent. */
  acquirer: string | undefined;
}

/**
 * Reads field 56: MTI (4), STAN (6), local date and time (12), then the acquiring institution id with its own 2-digit
 * length. `undefined` when the first 22 digits are not there.
 */
export function readOriginalDataElements(value: string): OriginalDataElements | undefined {
  if (!/^\d{22}/.test(value)) return undefined;
  const local = value.slice(10, 22);
  const length = Number(value.slice(22, 24));
  const acquirer = value.length > 24 && Number.isInteger(length) ? value.slice(24, 24 + length) : '';
  return {
    mti: value.slice(0, 4),
    stan: value.slice(4, 10),
    local: /^0+$/.test(local) ? undefined : local,
    acquirer: acquirer === '' ? undefined : acquirer,
  };
}
