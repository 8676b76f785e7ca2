/**
 * The connector's schemas come from `connector-manifest.json` at the repository root (the description an integration
 * platform shows), so that what is documented and what is validated never drift apart. The build turns the file into
 * a module (scripts/manifest-module.mjs -> src/generated/manifest.ts): nothing is looked up at run time.
 */
import { MANIFEST } from './generated/manifest.js';

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

/** The manifest (connector-manifest.json as it was at build time). */
export function readManifest(): ConnectorManifest {
  return MANIFEST as ConnectorManifest;
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
