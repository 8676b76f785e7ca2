/**
 * A flow connector's options that the connector would accept and then not use, refused instead (as the gateway's
 * without-effect.ts refuses its flags and config keys): an operator who gives `reversal.journalDir` without
 * `reversal.enabled: true` believes unknown outcomes are reversed and journaled, and gets neither. Each problem names
 * the key's JSON path and the key it needs.
 */
import type { FieldProblem } from '@iso8583/codec';
import { pointer } from './locate.js';

type Options = Record<string, unknown>;

/** The SAF queue's keys (by group): unused when neither `reversal.enabled` nor `saf.enabled` is true. */
const SAF_QUEUE_KEYS: Readonly<Record<'reversal' | 'saf', readonly string[]>> = {
  reversal: ['journalDir', 'mti', 'fields', 'retryInterval', 'maxAttempts'],
  saf: ['journalDir', 'initialDelay', 'retryInterval', 'messageInterval', 'maxInFlight', 'maxAttempts', 'expireAfter', 'endCodes', 'maxEntries'],
};

/** The PostgreSQL store's own keys: unused without `store`. */
const STORE_KEYS = ['storeKeys', 'safLease', 'safOwnerLock'] as const;

/** The terminal queue's keys: unused without `terminalQueue.enabled`. */
const TERMINAL_QUEUE_KEYS = ['maxQueued', 'timeout', 'lockConnections'] as const;

/** `value` when it is a plain object, else an empty one (the schema reports the rest). */
function group(value: unknown): Options {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Options) : {};
}

/**
 * The problems (`code` `without-effect`) of the keys of connector `name`'s `given` options (as the flow file gives
 * them) that would have no effect: a SAF queue key (`reversal.journalDir`, `saf.maxAttempts`, ...) with neither
 * `reversal.enabled` nor `saf.enabled` true, a `store` with neither of them nor `terminalQueue.enabled` (the store's
 * terminal lock), a PostgreSQL store key (`storeKeys`, `safLease`, `safOwnerLock`) without `store`, a terminal queue
 * key (`terminalQueue.maxQueued`, `.timeout`, `.lockConnections`) without `terminalQueue.enabled` true, and
 * `terminalQueue.lockConnections` without `store` (no terminal lock). None when every key given is used.
 */
export function withoutEffectProblems(name: string, given: Options): FieldProblem[] {
  const at = pointer('connectors', name);
  const problems: FieldProblem[] = [];
  const add = (field: string, reason: string): void => {
    problems.push({ field: `${at}/${field}`, code: 'without-effect', reason });
  };
  const reversal = group(given.reversal);
  const saf = group(given.saf);
  const terminalQueue = group(given.terminalQueue);
  const queueOn = reversal.enabled === true || saf.enabled === true;
  if (!queueOn) {
    for (const key of ['reversal', 'saf'] as const) {
      const options = key === 'reversal' ? reversal : saf;
      for (const sub of SAF_QUEUE_KEYS[key]) {
        if (options[sub] !== undefined) add(`${key}/${sub}`, 'is without effect: neither reversal.enabled nor saf.enabled is true (no reversal, no SAF queue): give reversal.enabled true, or remove it');
      }
    }
    if (given.store !== undefined && terminalQueue.enabled !== true) {
      add('store', 'is without effect: neither reversal.enabled nor saf.enabled nor terminalQueue.enabled is true (nothing is kept in the store): give one, or remove it');
    }
  }
  if (given.store === undefined) {
    for (const key of STORE_KEYS) {
      if (given[key] !== undefined) add(key, 'is without effect: there is no store (a postgresql:// URL): give store, or remove it');
    }
  }
  // The terminal lock's pool is PostgreSQL's: without `store` there is none (it was ignored without a word, sr66g).
  if (given.store === undefined && terminalQueue.enabled === true && terminalQueue.lockConnections !== undefined) {
    add('terminalQueue/lockConnections', 'is without effect: there is no store (a postgresql:// URL), so no terminal lock: give store, or remove it');
  }
  if (terminalQueue.enabled !== true) {
    for (const key of TERMINAL_QUEUE_KEYS) {
      if (terminalQueue[key] !== undefined) add(`terminalQueue/${key}`, 'is without effect: terminalQueue.enabled is not true (no terminal queue): give terminalQueue.enabled true, or remove it');
    }
  }
  return problems;
}
