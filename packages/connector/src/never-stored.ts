/**
 * What never reaches the journal on disk, whatever the options say: sensitive authentication data, which must not be
 * stored after authorisation (PCI DSS requirement 3.2). A reversal does not copy it, an advice or reversal that carries
 * it is not stored and forwarded, and `reversal.fields` may not name it.
 */
import { resolveDialect, sensitiveFields } from '@iso8583/codec';
import type { Dialect, Sensitivity } from '@iso8583/codec';

/**
 * Fields a reversal never carries, even when named in `reversal.fields` (the option is refused): sensitive
 * authentication data, which must not be stored after authorisation: track 2 and 3 (35, 36), track 1 (45), the PIN
 * block (52) and ICC/EMV data (55).
 */
export const REVERSAL_EXCLUDED_FIELDS: readonly string[] = ['35', '36', '45', '52', '55'];

/** The sensitivities of sensitive authentication data (`FieldSpec.sensitive`): never stored after authorisation. */
const AUTHENTICATION_DATA: ReadonlySet<Sensitivity> = new Set<Sensitivity>(['track', 'pin', 'cvv', 'emv']);

/**
 * The fields of `dialect` that never reach the journal on disk (a reversal's copy, an advice or reversal stored and
 * forwarded), each with why: {@link REVERSAL_EXCLUDED_FIELDS}, and every field the dialect marks `track`, `pin`, `cvv`
 * or `emv` (a private field 48 that carries the CVV2, a field 62 of EMV data); a composite field as a whole when one of
 * its sub-fields is marked (`127` for `127.2`).
 */
export function neverStoredFields(dialect: Dialect): ReadonlyMap<string, string> {
  const out = new Map<string, string>(REVERSAL_EXCLUDED_FIELDS.map((f) => [f, 'sensitive authentication data']));
  for (const [path, sensitivity] of sensitiveFields(dialect)) {
    const field = path.split('.')[0] as string;
    if (AUTHENTICATION_DATA.has(sensitivity) && !out.has(field)) out.set(field, `sensitive authentication data: the dialect marks it ${sensitivity}`);
  }
  return out;
}

/**
 * {@link neverStoredFields} of a dialect option not yet checked (a name, a file, an object); when it does not load
 * (its own problem says so), of the default dialect `iso87ascii`.
 */
export function neverStoredOf(dialect: unknown): ReadonlyMap<string, string> {
  try {
    return neverStoredFields(resolveDialect((dialect ?? 'iso87ascii') as string | Dialect));
  } catch {
    return neverStoredFields(resolveDialect('iso87ascii'));
  }
}
