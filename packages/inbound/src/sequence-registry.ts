import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inboundError } from './errors.js';
import type { Sequence } from './sequence.js';

const registry = new Map<string, Sequence>();

/** Registers a sequence under a name, so that options (and flow files) can refer to it as a string. Replaces any earlier one. */
export function registerSequence(name: string, sequence: Sequence): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw inboundError('ISO8583_ERR_INBOUND_OPTIONS', 'registerSequence: the name must be a non-empty string', { field: 'name' });
  }
  if (typeof sequence !== 'function') {
    throw inboundError('ISO8583_ERR_INBOUND_OPTIONS', `registerSequence: sequence "${name}" must be a function`, {
      field: 'sequence',
    });
  }
  registry.set(name, sequence);
}

/** The sequence registered under `name`, if any. */
export function getRegisteredSequence(name: string): Sequence | undefined {
  return registry.get(name);
}

/**
 * Resolves a sequence reference: a function as is; a registered name; else a module path resolved against
 * `process.cwd()`, whose default export (or export named `sequence`) is the function. Throws
 * `ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND` naming `option` (its `field` and its message): the endpoint option the
 * reference was given as, `sequence` (the default) or `onError`.
 */
export async function loadSequence(ref: string | Sequence, option: 'sequence' | 'onError' = 'sequence'): Promise<Sequence> {
  if (typeof ref === 'function') return ref;
  if (typeof ref !== 'string' || ref.length === 0) {
    throw inboundError('ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND', `${option} must be a function, a registered name or a module path`, {
      field: option,
    });
  }
  const registered = registry.get(ref);
  if (registered !== undefined) return registered;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(process.cwd(), ref)).href)) as Record<string, unknown>;
  } catch (cause) {
    throw inboundError(
      'ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND',
      `${option} "${ref}" is not a registered name and its module could not be loaded`,
      { field: option, cause },
    );
  }
  const candidate = typeof mod.default === 'function' ? mod.default : mod.sequence;
  if (typeof candidate !== 'function') {
    throw inboundError(
      'ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND',
      `${option}: module "${ref}" exports no sequence function (default export or export named "sequence")`,
      { field: option },
    );
  }
  return candidate as Sequence;
}
