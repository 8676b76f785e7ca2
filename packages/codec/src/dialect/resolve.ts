import type { Dialect } from '../types.js';
import { getDialect } from './builtin.js';

/**
 * Resolves a dialect reference: a dialect object, a built-in name, or a path to a `.json` dialect file or a `.xml`
 * jPOS GenericPackager file.
 */
export function resolveDialect(ref: Dialect | string): Dialect {
  if (typeof ref !== 'string') return ref;
  return getDialect(ref);
}
