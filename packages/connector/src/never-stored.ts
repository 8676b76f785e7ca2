/**
 * What never reaches the journal on disk, whatever the options say: sensitive authentication data, which must not be
 * stored after authorisation (PCI DSS requirement 3.2). A reversal does not copy it, an advice or reversal that carries
 * it is not stored and forwarded, and `reversal.fields` may not name it.
 */
import { SENSITIVE_AUTHENTICATION_FIELDS, authenticationDataFields, resolveDialect } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';

/**
 * Fields a reversal never carries, even when named in `reversal.fields` (the option is refused): sensitive
 * authentication data, which must not be stored after authorisation: track 2 and 3 (35, 36), track 1 (45), the PIN
 * block (52) and ICC/EMV data (55). The codec's `SENSITIVE_AUTHENTICATION_FIELDS` (its one home), under this name.
 */
export const REVERSAL_EXCLUDED_FIELDS: readonly string[] = SENSITIVE_AUTHENTICATION_FIELDS;

/**
 * The fields of `dialect` that never reach the journal on disk (a reversal's copy, an advice or reversal stored and
 * forwarded), each with why: the codec's `authenticationDataFields` ({@link REVERSAL_EXCLUDED_FIELDS}, and every field
 * the dialect marks `track`, `pin`, `cvv` or `emv`, a composite field as a whole when one of its sub-fields is).
 */
export const neverStoredFields: (dialect: Dialect) => ReadonlyMap<string, string> = authenticationDataFields;

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
