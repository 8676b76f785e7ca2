/**
 * The connector's schemas come from `connector-manifest.json` at the repository root (the description an integration
 * platform shows), read once at runtime, so that what is documented and what is validated never drift apart.
 */
import { existsSync, readFileSync } from 'node:fs';

/**
 * The manifest file: `connector-manifest.json` at the package root when the package is published with a copy of it
 * (from `dist/src/`, two folders up), else at the repository root (four folders up).
 */
export const MANIFEST_URL = [
  new URL('../../connector-manifest.json', import.meta.url),
  new URL('../../../../connector-manifest.json', import.meta.url),
].find((url) => existsSync(url)) ?? new URL('../../../../connector-manifest.json', import.meta.url);

/** The parts of the manifest the connector reads. */
export interface ConnectorManifest {
  name: string;
  version: string;
  description: string;
  connector: {
    name: string;
    version: string;
    description: string;
    operations: Record<string, { description: string; parameters: Record<string, unknown> }>;
  };
  inboundEndpoint?: { description: string; parameters: Record<string, unknown> };
}

let cached: ConnectorManifest | undefined;

/** The parsed manifest (read once). */
export function readManifest(): ConnectorManifest {
  cached ??= JSON.parse(readFileSync(MANIFEST_URL, 'utf8')) as ConnectorManifest;
  return cached;
}

/** The JSON Schema of the connector options (the `init` operation's parameters), defaults included. */
export function connectorOptionsSchema(): Record<string, unknown> {
  return operationSchema('init');
}

/** The JSON Schema of an operation's parameters (`init` = the connector options, `sendMessage`). */
export function operationSchema(operation: 'init' | 'sendMessage'): Record<string, unknown> {
  const op = readManifest().connector.operations[operation];
  if (op === undefined) throw new Error(`connector-manifest.json has no operation ${operation}`);
  return op.parameters;
}
