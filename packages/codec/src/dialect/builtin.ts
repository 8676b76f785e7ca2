import type { Dialect } from '../types.js';
import { codecError } from '../errors.js';

/** The names of the built-in dialects. */
export const BUILTIN_DIALECTS: readonly string[] = ['iso87ascii', 'iso87binary'];

/** Returns a built-in dialect by name. Throws `ISO8583_ERR_DIALECT_UNKNOWN`. */
export function getDialect(name: string): Dialect {
  throw codecError('ISO8583_ERR_DIALECT_UNKNOWN', `unknown dialect ${JSON.stringify(name)}`);
}
