/**
 * The JSON Schema of a flow file. Connectors and inbound endpoints are validated against the schemas of
 * `connector-manifest.json` (`connector.operations.init.parameters` and `inboundEndpoint.parameters`), minus the
 * options only code can give (logger, registry, functions), so that the manifest, the libraries and flow files agree.
 */
import type { SchemaCheck, SchemaCheckOptions } from '@iso8583/codec';
import { precompiledSchemaCheck } from '@iso8583/codec/precompiled-check';
import { PRECOMPILED } from '../generated/flow-check.js';
import { MAX_REQUEST_TIMEOUT, connectorOptionsSchema } from '@iso8583/connector';
import { ROUTES_SCHEMA } from '../gateway/upstreams.js';
import { DEFAULT_HTTP_MAX_CONNECTIONS } from '../http/connection-cap.js';
import { DEFAULT_HTTP_MAX_HELD_BACK } from '../http/held-budget.js';
import { inboundOptionsSchema } from '@iso8583/inbound';

type Schema = Record<string, unknown>;

/** A schema only code can satisfy: a `typeof`/`instanceof` keyword (a function, a logger, a journal object). */
function codeOnly(schema: Schema): boolean {
  return 'typeof' in schema || 'instanceof' in schema;
}

/**
 * What a flow file can give for an option whose other forms only code can give, by its path in the options: the
 * manifest's description names every form (a `TransactionLog` or `ReversalJournal` object too), the flow file's
 * schema (`iso8583 run --schema`) names the JSON forms {@link jsonOnly} keeps. Every option that loses a form has
 * its text here (flow-schema-text.test.ts).
 */
const JSON_FORMS: Readonly<Record<string, string>> = {
  transactionLog:
    'Where every request is recorded once with its outcome (masked PAN, never track data, PIN block, field 55 or field 48). In a flow file only `false`: no transaction log, not even the file store in reversal.journalDir (a log of your own is given in code). Default: a file store in reversal.journalDir when reversal is on with a journal folder, else none.',
  store:
    'Where the reversals (the SAF queue) are kept. In a flow file a postgresql://USER[:PASSWORD]@HOST:PORT/DB URL (postgres:// too; a database several nodes share, with leases; its password is never logged; the value "${PG_URL}" takes it from the environment, out of the file); a journal of your own is given in code. Takes the place of reversal.journalDir. Default: the file journal of reversal.journalDir.',
};

/**
 * `schema` with what a JSON file cannot give taken out, at every depth (`reversal.journal` too): a property only code
 * can give (a `typeof`/`instanceof` schema, or one the manifest marks "Runtime only." such as `connectors`) is no longer
 * accepted (a flow file naming it gets "is not a known key"); a property that takes a value or an object keeps only its
 * JSON forms (`store`: the URL; `transactionLog`: `false`), described by `forms` (by the property's path, `at`).
 */
function jsonOnly(schema: Schema, forms: Readonly<Record<string, string>> = {}, at = ''): Schema {
  const out: Schema = { ...schema };
  delete out.$schema;
  const props = out.properties as Record<string, Schema> | undefined;
  if (props === undefined) return out;
  const kept: Record<string, Schema> = {};
  for (const [key, value] of Object.entries(props)) {
    const runtimeOnly = typeof value.description === 'string' && /\bRuntime only\./.test(value.description);
    if (codeOnly(value) || (runtimeOnly && !Array.isArray(value.anyOf))) continue;
    if (Array.isArray(value.anyOf)) {
      const { anyOf, ...rest } = value;
      const kinds = (anyOf as Schema[]).filter((s) => !codeOnly(s));
      if (kinds.length === 0) continue;
      // `{ const: false }` reads as "must be one of false" in a problem, as an enum.
      const json = kinds.map((f) => ('const' in f ? { enum: [f.const] } : f));
      const text = kinds.length < (anyOf as Schema[]).length ? forms[at + key] : undefined;
      const described = text === undefined ? rest : { ...rest, description: text };
      kept[key] = json.length === 1 ? { ...described, ...json[0] } : { ...described, anyOf: json };
      continue;
    }
    kept[key] = value.type === 'object' ? jsonOnly(value, forms, `${at}${key}.`) : value;
  }
  out.properties = kept;
  if (Array.isArray(out.required)) out.required = (out.required as string[]).filter((k) => Object.hasOwn(kept, k));
  return out;
}

/**
 * The connector and inbound endpoint option schemas from the manifest, as the two packages read it (so that a flow
 * file accepts exactly what they validate).
 */
export function manifestSchemas(): { connector: Schema; inbound: Schema } {
  const connector = jsonOnly(connectorOptionsSchema(), JSON_FORMS);
  const inbound = jsonOnly(inboundOptionsSchema());
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
          maxConnections: {
            type: 'integer',
            minimum: 1,
            description: `Most HTTP connections at once (the gateway's \`--http-max-connections\`): for a new one the oldest without a request in progress is closed; only when every one is mid-request is the new one refused (503). Default ${DEFAULT_HTTP_MAX_CONNECTIONS}.`,
          },
          maxConnectionsPerAddress: {
            type: 'integer',
            minimum: 1,
            description: `Most HTTP connections of one address (IPv6: one /64) at once (the gateway's \`--http-max-connections-per-address\`): at it, the address's own oldest without a request in progress is closed for its new one, else the new one is refused (503); another address's connection never is. Behind a reverse proxy set it to \`maxConnections\`. Default: \`maxConnections\` less a tenth.`,
          },
          maxHeldBack: {
            type: 'integer',
            minimum: 1,
            description: `Most pipelined HTTP requests held back at once across the port (the gateway's \`--http-max-held-back\`): beyond it the connection holding the most, with every request at the routes answered (a client that reads none of its answers), is closed. Default ${DEFAULT_HTTP_MAX_HELD_BACK}.`,
          },
        },
      },
      shutdownDeadline: {
        type: 'integer',
        minimum: 0,
        maximum: MAX_REQUEST_TIMEOUT,
        description: 'Milliseconds SIGTERM waits for in-flight work and the SAF queue (pending reversals and advices), at most 3600000. Default 10000.',
      },
      moduleLoadTimeout: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_REQUEST_TIMEOUT,
        description: 'Milliseconds a sequence module (`sequence`, `onError`) may take to load, its top-level `await` included; past it the flow stops with ISO8583_ERR_FLOW_MODULE naming the path. Default 10000.',
      },
      logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Default `info`.' },
      logFile: { type: 'string', minLength: 1, description: 'Log file, reopened on SIGHUP. Default: standard error.' },
    },
  };
}

let check: SchemaCheck | undefined;

/** How a flow file is checked against its schema (generated at build time with these: scripts/schema-validators.mjs). */
export const FLOW_CHECK: SchemaCheckOptions = { code: 'ISO8583_ERR_FLOW_INVALID', subject: 'flow file', paths: 'pointer', checkSchema: false };

/**
 * The flow file check: every offending path as a JSON Pointer (`/connectors/bank/port`), one problem per path, no
 * defaults filled in, no coercion.
 */
export function flowCheck(): SchemaCheck {
  check ??= precompiledSchemaCheck(flowSchema(), PRECOMPILED, FLOW_CHECK);
  return check;
}
