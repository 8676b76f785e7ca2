/**
 * A flow's sequences: every `sequence` and `onError` reference of its inbound endpoints resolved to a function before
 * any socket opens (`iso8583 run` and its `--check`), a module path imported within `moduleLoadTimeout`, a name looked
 * up in the inbound registry only (never a file of that name in the working folder).
 */
import { pathToFileURL } from 'node:url';
import { Iso8583Error } from '@iso8583/codec';
import { getRegisteredSequence } from '@iso8583/inbound';
import type { Sequence } from '@iso8583/inbound';
import { flowError } from './errors.js';
import type { Flow } from './load.js';
import { DEFAULT_MODULE_LOAD_TIMEOUT, isModulePath } from './load.js';
import { pointer as jsonPointer } from './locate.js';

/**
 * Imports a sequence module: its `default` export, or its `sequence` export. A module that has not finished loading
 * (a top-level `await` that never settles) after `deadline` ms is `ISO8583_ERR_FLOW_MODULE` naming `pointer`.
 */
export async function importSequence(path: string, pointer: string, deadline: number = DEFAULT_MODULE_LOAD_TIMEOUT): Promise<Sequence> {
  let mod: Record<string, unknown>;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(flowError('ISO8583_ERR_FLOW_MODULE', `${pointer}: module ${path} has not finished loading after ${deadline} ms (moduleLoadTimeout)`, { field: pointer }));
    }, deadline);
  });
  try {
    mod = (await Promise.race([import(pathToFileURL(path).href), late])) as Record<string, unknown>;
  } catch (err) {
    if ((err as { field?: unknown }).field === pointer) throw err;
    const reason = String((err as { code?: unknown }).code ?? (err as Error).name ?? 'error');
    throw flowError('ISO8583_ERR_FLOW_MODULE', `${pointer}: module ${path} cannot be loaded (${reason}: ${firstLine(err)})`, {
      field: pointer,
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
  const fn = typeof mod.default === 'function' ? mod.default : mod.sequence;
  if (typeof fn !== 'function') {
    throw flowError('ISO8583_ERR_FLOW_MODULE', `${pointer}: module ${path} exports no function as \`default\` or \`sequence\``, {
      field: pointer,
    });
  }
  return fn as Sequence;
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? '').split('\n')[0]?.slice(0, 200) ?? '';
}

/** The sequences of a flow's inbound endpoints, by endpoint name. */
export type FlowSequences = Record<string, { sequence: Sequence; onError?: Sequence }>;

/**
 * Resolves every sequence reference of a flow (`iso8583 run` and its `--check`): module paths are imported first (a
 * module may register names), then names are looked up in the registry. Throws `ISO8583_ERR_FLOW_MODULE` (a module)
 * or `ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND` (a name) naming the JSON path of the first reference that does not
 * resolve to a function.
 */
export async function resolveFlowSequences(flow: Flow): Promise<FlowSequences> {
  const refs = Object.entries(flow.inboundEndpoints).flatMap(([name, options]) => [
    { name, key: 'sequence' as const, ref: options.sequence },
    ...(options.onError === undefined ? [] : [{ name, key: 'onError' as const, ref: options.onError }]),
  ]);
  const found = new Map<string, Sequence>();
  const pointer = (r: (typeof refs)[number]): string => jsonPointer('inboundEndpoints', r.name, r.key);
  for (const r of refs) if (isModulePath(r.ref)) found.set(pointer(r), await importSequence(r.ref, pointer(r), flow.moduleLoadTimeout));
  for (const r of refs) {
    if (isModulePath(r.ref)) continue;
    // A name is looked up in the registry only: never a file of that name in the working folder (the inbound
    // endpoint's `loadSequence` falls back to one), which would make the flow depend on where `run` was started.
    const registered = getRegisteredSequence(r.ref);
    if (registered === undefined) {
      // The inbound endpoint's own code (as a start without the check gave it), with the path in the flow file.
      throw new Iso8583Error(
        'ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND',
        `${pointer(r)}: sequence "${r.ref}" is not a registered name (a module path has a / or ends in .js, .mjs or .cjs, and is relative to the flow file)`,
        { field: pointer(r) },
      );
    }
    found.set(pointer(r), registered);
  }
  const sequences: FlowSequences = {};
  for (const r of refs) {
    // By own key: an endpoint named `constructor` gets an entry of its own, not Object's constructor.
    const entry = Object.hasOwn(sequences, r.name) ? (sequences[r.name] as FlowSequences[string]) : (sequences[r.name] = {} as FlowSequences[string]);
    entry[r.key] = found.get(pointer(r)) as Sequence;
  }
  return sequences;
}
