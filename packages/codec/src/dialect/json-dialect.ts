import type { Dialect } from '../types.js';
import { codecError } from '../errors.js';

/**
 * Builds a dialect from a JSON dialect document (validated against `schema/dialect.schema.json`); `extends` names a
 * built-in dialect whose fields it overrides. Throws `ISO8583_ERR_DIALECT_INVALID` naming every offending path.
 */
export function dialectFromJson(json: unknown): Dialect {
  void json;
  throw codecError('ISO8583_ERR_DIALECT_INVALID', 'not built yet');
}
