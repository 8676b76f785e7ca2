/**
 * Which fields of a dialect carry card data, as whole fields (a composite field when one of its sub-fields is marked):
 * the one rule the dialect check (`reversal.approvedAmount` may not name one) and the connector (what never reaches
 * its journal) both use, built on {@link sensitiveFields} (the dialect's marks, sub-fields included, and the standard
 * field numbers it does not mark).
 */
import { sensitiveFields } from './mask.js';
import type { Dialect, Sensitivity } from './types.js';

/**
 * The fields of sensitive authentication data in every dialect, whatever its marks say: track 2 and 3 (35, 36),
 * track 1 (45), the PIN block (52) and ICC/EMV data (55). PCI DSS requirement 3.2: never stored after authorisation.
 */
export const SENSITIVE_AUTHENTICATION_FIELDS: readonly string[] = ['35', '36', '45', '52', '55'];

/** The sensitivities of sensitive authentication data (`FieldSpec.sensitive`): never stored after authorisation. */
const AUTHENTICATION_DATA: ReadonlySet<Sensitivity> = new Set<Sensitivity>(['track', 'pin', 'cvv', 'emv']);

/**
 * The fields of `dialect` that carry card data: {@link SENSITIVE_AUTHENTICATION_FIELDS} and every field
 * {@link sensitiveFields} names (the PAN 2 and 34, 53, a field the dialect marks), a composite field as a whole when
 * one of its sub-fields is marked (`127` for `127.2`).
 */
export function cardDataFields(dialect: Dialect): ReadonlySet<string> {
  const out = new Set<string>(SENSITIVE_AUTHENTICATION_FIELDS);
  for (const path of sensitiveFields(dialect).keys()) out.add(path.split('.')[0] as string);
  return out;
}

/**
 * The fields of `dialect` that carry sensitive authentication data, never stored after authorisation, each with why:
 * {@link SENSITIVE_AUTHENTICATION_FIELDS}, and every field whose mark (or a sub-field's) is `track`, `pin`, `cvv` or
 * `emv` (a private field 48 that carries the CVV2, a field 62 of EMV data). A subset of {@link cardDataFields}.
 */
export function authenticationDataFields(dialect: Dialect): ReadonlyMap<string, string> {
  const out = new Map<string, string>(SENSITIVE_AUTHENTICATION_FIELDS.map((f) => [f, 'sensitive authentication data']));
  for (const [path, sensitivity] of sensitiveFields(dialect)) {
    const field = path.split('.')[0] as string;
    if (AUTHENTICATION_DATA.has(sensitivity) && !out.has(field)) out.set(field, `sensitive authentication data: the dialect marks it ${sensitivity}`);
  }
  return out;
}
