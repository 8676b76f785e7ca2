// The count maxima the connector exports (`@iso8583/connector/option-limits`) are the manifest's: the gateway bounds
// its flags by them, so that a value past one is refused naming the flag, not the connector option it feeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readManifest } from '../src/index.js';
import { DEFAULT_TERMINAL_LOCK_CONNECTIONS, MAX_IN_FLIGHT, MAX_SAF_ATTEMPTS, MAX_SAF_ENTRIES, MAX_SAF_IN_FLIGHT, MAX_TERMINAL_LOCK_CONNECTIONS } from '../src/option-limits.js';

/** The schema at the dotted `path` of the connector options. */
function schemaAt(path: string): { maximum?: number; default?: unknown } {
  let at = readManifest().connector.operations.init?.parameters as { properties?: Record<string, unknown> };
  for (const key of path.split('.')) at = at.properties?.[key] as { properties?: Record<string, unknown> };
  return at as { maximum?: number; default?: unknown };
}

test('option limits – the exported count maxima equal the manifest\'s maximums', () => {
  const cases: [string, number][] = [
    ['maxInFlight', MAX_IN_FLIGHT],
    ['terminalQueue.maxQueued', MAX_IN_FLIGHT],
    ['saf.maxAttempts', MAX_SAF_ATTEMPTS],
    ['reversal.maxAttempts', MAX_SAF_ATTEMPTS],
    ['saf.maxInFlight', MAX_SAF_IN_FLIGHT],
    ['saf.maxEntries', MAX_SAF_ENTRIES],
    ['terminalQueue.lockConnections', MAX_TERMINAL_LOCK_CONNECTIONS],
  ];
  for (const [path, max] of cases) assert.equal(schemaAt(path).maximum, max, `${path}: maximum ${max}`);
});

test('option limits – the terminal lock pool\'s default is the manifest\'s (one constant: the gateway\'s flag and PgTerminalLock use it)', () => {
  assert.equal(schemaAt('terminalQueue.lockConnections').default, DEFAULT_TERMINAL_LOCK_CONNECTIONS);
});
