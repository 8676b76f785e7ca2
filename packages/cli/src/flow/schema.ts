/**
 * The JSON Schema of a flow file. Connectors and inbound endpoints are validated against the schemas of
 * `connector-manifest.json` (`connector.operations.init.parameters` and `inboundEndpoint.parameters`), minus the
 * options only code can give (logger, registry, functions), so that the manifest, the libraries and flow files agree.
 */
import { compileSchemaCheck } from '@iso8583/codec';
import type { SchemaCheck } from '@iso8583/codec';
import { MAX_REQUEST_TIMEOUT, connectorOptionsSchema } from '@iso8583/connector';
import { ROUTES_SCHEMA } from '../gateway/upstreams.js';
import { inboundOptionsSchema } from '@iso8583/inbound';

/** Options of the connector and of the inbound endpoint that a JSON file cannot give. */
const RUNTIME_ONLY = ['logger', 'registry', 'onUnsolicited', 'connectors'];

type Schema = Record<string, unknown>;

function withoutRuntimeOnly(schema: Schema): Schema {
  const out = structuredClone(schema);
  delete out.$schema;
  const props = { ...(out.properties as Record<string, Schema> | undefined) };
  for (const key of RUNTIME_ONLY) delete props[key];
  out.properties = props;
  return out;
}

/**
 * The connector and inbound endpoint option schemas from the manifest, as the two packages read it (so that a flow
 * file accepts exactly what they validate).
 */
export function manifestSchemas(): { connector: Schema; inbound: Schema } {
  const connector = withoutRuntimeOnly(connectorOptionsSchema());
  const inbound = withoutRuntimeOnly(inboundOptionsSchema());
  // A flow file names a PostgreSQL store by its URL (a journal object is for code only).
  const connectorProps = connector.properties as Record<string, Schema>;
  const store = connectorProps.store;
  if (store !== undefined) {
    connectorProps.store = { type: 'string', pattern: '^[Pp][Oo][Ss][Tt][Gg][Rr][Ee][Ss]([Qq][Ll])?://', description: store.description };
  }
  // In a flow file a sequence is a module path (relative to the flow file) or a registered name.
  const inboundProps = inbound.properties as Record<string, Schema>;
  const sequence = {
    type: 'string',
    minLength: 1,
    description: 'A module path (relative to the flow file) exporting the sequence as `default` or `sequence`, or a registered name such as `host-simulator`.',
  };
  inboundProps.sequence = sequence;
  inboundProps.onError = { ...sequence, description: 'The sequence called when `sequence` fails (same forms). Default: reply with response code 96.' };
  return { connector, inbound };
}

/** The flow file schema. */
export function flowSchema(): Schema {
  const { connector, inbound } = manifestSchemas();
  const name = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$' };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://iso8583.dev/schemas/flow.json',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      name: { type: 'string', minLength: 1, description: 'The flow name, in logs. Default: the file name.' },
      description: { type: 'string' },
      connectors: {
        type: 'object',
        description: 'The outbound connectors, by name (the key in `context.connectors`).',
        propertyNames: name,
        additionalProperties: connector,
      },
      upstreamGroups: {
        type: 'object',
        description:
          'Upstream groups over the connectors, by name (the key in `context.connectors`, beside the connectors): failover or round robin, and routing rules. Default: none.',
        propertyNames: name,
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          required: ['upstreams'],
          properties: {
            upstreams: {
              type: 'array',
              minItems: 1,
              uniqueItems: true,
              items: name,
              description: 'Connector names of the flow, in order (the order of `failover`).',
            },
            strategy: { enum: ['failover', 'round-robin'], description: 'Default `failover`.' },
            routes: ROUTES_SCHEMA,
          },
        },
      },
      inboundEndpoints: {
        type: 'object',
        description: 'The inbound endpoints, by name; each sequence gets every connector and upstream group of the flow.',
        propertyNames: name,
        additionalProperties: inbound,
      },
      http: {
        type: 'object',
        additionalProperties: false,
        description: 'The HTTP server: connector routes, GET /stats and GET /metrics. Default: no HTTP server.',
        required: ['port'],
        properties: {
          host: { type: 'string', minLength: 1, description: 'Address to listen on; beyond loopback without `--http-token`, the start logs `ISO8583_WARN_HTTP_OPEN`. Default `127.0.0.1`.' },
          port: { type: 'integer', minimum: 0, maximum: 65535, description: 'Port; 0 picks a free one.' },
          routes: {
            type: 'object',
            description: 'Connector or upstream group name -> route prefix: `POST <prefix>/` (JSON or XML) and `POST <prefix>/raw` (hex).',
            additionalProperties: { type: 'string', pattern: '^(/[A-Za-z0-9._~/-]*)?$' },
          },
        },
      },
      shutdownDeadline: {
        type: 'integer',
        minimum: 0,
        maximum: MAX_REQUEST_TIMEOUT,
        description: 'Milliseconds SIGTERM waits for in-flight work and the SAF queue (pending reversals and advices), at most 3600000. Default 10000.',
      },
      logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Default `info`.' },
      logFile: { type: 'string', minLength: 1, description: 'Log file, reopened on SIGHUP. Default: standard error.' },
    },
  };
}

let check: SchemaCheck | undefined;

/**
 * The flow file check: every offending path as a JSON Pointer (`/connectors/bank/port`), one problem per path, no
 * defaults filled in, no coercion.
 */
export function flowCheck(): SchemaCheck {
  check ??= compileSchemaCheck(flowSchema(), { code: 'ISO8583_ERR_FLOW_INVALID', subject: 'flow file', paths: 'pointer' });
  return check;
}
