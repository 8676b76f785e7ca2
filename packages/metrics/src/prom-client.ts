/**
 * prom-client, loaded when first needed: a part that counts in plain numbers (an endpoint, a connector) makes its own
 * Registry only when someone asks for it (a scrape, `endpoint.registry`), so that a process that never shows its
 * metrics never loads prom-client (nor the OpenTelemetry API it imports). It is CommonJS: loaded synchronously, the
 * same module as `import ... from 'prom-client'`.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

let loaded: typeof PromClient | undefined;

/** The prom-client module, loaded on the first call. */
export function promClient(): typeof PromClient {
  loaded ??= createRequire(import.meta.url)('prom-client') as typeof PromClient;
  return loaded;
}
