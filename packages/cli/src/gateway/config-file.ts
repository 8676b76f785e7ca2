/**
 * The gateway's config file: its JSON Schema (the flag rows' keys, `upstreams`, `routes`) and its reader, which takes
 * SocketQueue's key names (`listenPort`, ...) and names a problem by the key as the file wrote it.
 */
import type { FieldProblem, Iso8583Error, SchemaCheck, SchemaCheckOptions } from '@iso8583/codec';
import { PRECOMPILED } from '../generated/gateway-file-check.js';
import { flagSchema } from '../flag-table.js';
import type { ProblemsContext } from '../problems-error.js';
import { positionOf } from '../flow/locate.js';
import { MAX_JSON_DEPTH, isJsonFault, readJsonText, repeatedKeyProblems } from '../json-text.js';
import type { JsonText } from '../json-text.js';
import { readFlagFile } from '../read-file.js';
import type { GatewayConfig } from './config.js';
import { gatewayError } from './errors.js';
import { GATEWAY_FLAGS } from './flag-rows.js';
import { givenKeysCheck } from './given-keys-check.js';
import { journalNotMoved, withPathsFromFile } from './config-paths.js';
import { shippedKeysOf, socketQueuePointer, withKeyFieldsAsText, withoutShippedKeys, withPortsAsNumbers } from './socketqueue.js';
import { ROUTES_SCHEMA, UPSTREAMS_SCHEMA, readableReason } from './upstreams.js';

/** The JSON Schema of a gateway config file (every key optional except `upstream`, once merged with the flags). */
export const GATEWAY_CONFIG_SCHEMA = {
  $id: 'https://iso8583.dev/schemas/gateway-config.json',
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries([
    ['$schema', { type: 'string' }],
    ...GATEWAY_FLAGS.map((f) => [f.key, { ...flagSchema(f), description: f.help }]),
    ['upstreams', UPSTREAMS_SCHEMA],
    ['routes', ROUTES_SCHEMA],
  ]),
} as const;

let fileCheck: SchemaCheck | undefined;

/** How a config file is checked against the schema (generated at build time with these: scripts/schema-validators.mjs). */
export const GATEWAY_FILE_CHECK: SchemaCheckOptions = { code: 'ISO8583_ERR_GATEWAY_CONFIG', subject: 'gateway config file', paths: 'pointer', checkSchema: false };

/**
 * The config file's check, made when a first file is read (a gateway started with flags only never needs it): the one
 * generated at build time (src/generated/gateway-file-check.ts), else it compiles the schemas of the keys the file has
 * only (given-keys-check.ts).
 */
function checkFile(data: unknown): FieldProblem[] {
  fileCheck ??= givenKeysCheck(GATEWAY_CONFIG_SCHEMA, GATEWAY_FILE_CHECK, PRECOMPILED);
  return fileCheck(data);
}

/**
 * The coded error (`ISO8583_ERR_GATEWAY_CONFIG`) of a problem in the config file at `path`, as every such error names
 * the file: `config file gateway.json` then `what` (` is invalid`, `: upstream "bankA": ...`).
 */
export function configFileError(path: string, what: string, context: ProblemsContext): Iso8583Error {
  return gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `config file ${path}${what}`, context);
}

/**
 * Reads and validates a gateway JSON config file; its relative paths read against its folder (config-paths.ts). Its
 * `reversalJournal`, the one used when no flag replaces it, is checked as the gateway checks it (`journalNotMoved`).
 */
export function readConfigFile(path: string): Partial<GatewayConfig> {
  const read = readConfig(path);
  journalNotMoved(path, read.journalAsWritten);
  return read.config;
}

/** A config file read: its keys under our names, and the SocketQueue names it used (`listenPort`, ...). */
export interface ConfigRead {
  config: Partial<GatewayConfig>;
  socketQueueKeys: string[];
  /**
   * SocketQueue's keys it held at their shipped value (`"hostConfig": "smartVista"`, `"useHeader": true`): read as
   * absent, they still mean SocketQueue's behaviour (socketqueue.ts `shippedKeysOf`).
   */
  shippedKeys: string[];
  /**
   * Its `reversalJournal` as the file wrote it (before it is read against the file's folder), for `journalNotMoved`
   * once the flags are merged: only the journal used is judged.
   */
  journalAsWritten: unknown;
}

/** {@link readConfigFile}, telling the SocketQueue keys apart; a problem names the key as the file wrote it. */
export function readConfig(path: string): ConfigRead {
  // A missing file, a folder, no permission: the system's reason (ENOENT, EISDIR, EACCES), never a stack.
  const read = readJsonText(readFlagFile(path, '--config'));
  // Located, never quoted: the parser's own text may quote the file.
  if (isJsonFault(read)) {
    const why = read.empty
      ? ' is not JSON: the file is empty'
      : read.tooDeep === true
        ? ` nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels at ${path}:${read.at.line}:${read.at.column}`
        : ` is not JSON at ${path}:${read.at.line}:${read.at.column}`;
    throw configFileError(path, why, { field: 'config' });
  }
  // A key given twice (`"port"` twice): JSON keeps the last without a word, so one of the two would be dropped unseen.
  if (read.repeated.length > 0) throw repeatedKeysError(path, read);
  let data = read.data;
  const written = new Map<string, string>();
  const shippedKeys = shippedKeysOf(data);
  // SocketQueue's config.json.dist filled in: its keys as it ships them ("v": false, "queueTimeout": 35) change nothing.
  // Its ports as text of digits ("listenPort": "2014") are numbers, as SocketQueue read them.
  data = renameAliasKeys(withKeyFieldsAsText(withPortsAsNumbers(withoutShippedKeys(data))), path, written);
  const problems = checkFile(data).map((p) => fileProblem(p, written, data));
  if (problems.length > 0) {
    throw configFileError(path, ' is invalid', { field: 'config', problems });
  }
  // Its relative paths are read against its own folder, not the working folder (config-paths.ts).
  const out = withPathsFromFile(data as Record<string, unknown>, path);
  delete out.$schema;
  return { config: out as Partial<GatewayConfig>, socketQueueKeys: [...written.values()], shippedKeys, journalAsWritten: (data as Record<string, unknown>).reversalJournal };
}

/**
 * The `ISO8583_ERR_GATEWAY_CONFIG` of the keys `read` gives twice in one object: each named by its JSON Pointer (as the
 * file wrote it) after the file's line and column of its last value (`gateway.json:3:11 /port`), as a flow file's are.
 */
function repeatedKeysError(path: string, read: JsonText): Iso8583Error {
  const problems = repeatedKeyProblems(read.repeated).map((problem) => {
    const p = positionOf(read.positions, problem.field);
    return { ...problem, field: p === undefined ? `${path}: ${problem.field}` : `${path}:${p.line}:${p.column} ${problem.field}` };
  });
  return configFileError(path, ' is invalid', { field: read.repeated[0] as string, problems });
}

/**
 * A config file problem as the user wrote it: the key under the name the file used (`/listenPort`, not `/listen`), the
 * reason readable, and for a SocketQueue parameter that is no key here, what replaces it.
 */
function fileProblem<P extends { field: string; reason: string }>(p: P, written: ReadonlyMap<string, string>, data: unknown): P {
  const key = /^\/([^/]+)/.exec(p.field)?.[1];
  const given = key === undefined ? undefined : written.get(key);
  const field = given === undefined ? p.field : `/${given}${p.field.slice(key!.length + 1)}`;
  const value = key === undefined ? undefined : (data as Record<string, unknown>)[key];
  const pointer = key === undefined || given !== undefined ? undefined : socketQueuePointer(key, value);
  const reason = readableReason(p.reason);
  return { ...p, field, reason: pointer === undefined ? reason : `${reason} (SocketQueue's: ${pointer})` };
}

/** Config file keys of SocketQueue (`listenPort`, `statServerPort`, ...) -> ours: the flag aliases, as keys. */
const KEY_BY_ALIAS = new Map(GATEWAY_FLAGS.flatMap((f) => (f.aliases ?? []).filter((a) => a !== f.key).map((a) => [a, f.key as string])));

/**
 * A config file's SocketQueue keys renamed to ours (`written` gets ours -> the name used); a key given under both names
 * is refused, naming both.
 */
function renameAliasKeys(data: unknown, path: string, written: Map<string, string>): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  // A Map, then own properties: a `__proto__` key stays a key (refused as unknown), never the object's prototype.
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(data)) {
    const ours = KEY_BY_ALIAS.get(key) ?? key;
    if (out.has(ours) || (ours !== key && Object.hasOwn(data, ours))) {
      throw configFileError(path, `: "${key}" and "${ours}" are the same key: give one`, { field: key });
    }
    out.set(ours, value);
    if (ours !== key) written.set(ours, key);
  }
  return Object.fromEntries(out);
}
