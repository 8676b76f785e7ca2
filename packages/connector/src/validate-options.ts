/**
 * The check of the connector's options: against the `init` schema of `connector-manifest.json` (which also holds every
 * default), then what a schema cannot check. Runs before any socket opens; an invalid set throws
 * `ISO8583_ERR_CONNECTOR_OPTIONS` naming every offending option and never its value.
 */
import { createCodec, dialectLoadReason, resolveDialect, reversalMessageProblems } from '@iso8583/codec';
import type { Dialect, FieldProblem, LengthHeader, SchemaCheck, SchemaCheckOptions } from '@iso8583/codec';
import { precompiledSchemaCheck } from '@iso8583/codec/precompiled-check';
import { PRECOMPILED } from './generated/options-check.js';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { backoffOrderProblem } from './backoff.js';
import { connectorOptionsSchema } from './manifest.js';
import { optionsError } from './errors.js';
import type { ReversalJournal } from './journal.js';
import { resolveSaf, safProblems } from './saf-options.js';
import type { SafOptions } from './saf-options.js';
import { matchKeyProblems } from './match-key.js';
import { REVERSAL_FIELDS } from './reversal-message.js';
import { neverStoredOf } from './never-stored.js';
import { storeKeyProblem, storeKeysProblems } from './pg/journal-options.js';
import { hideTlsKey } from '@iso8583/codec/tls-material';
import { tlsProblems } from './tls-options.js';
import type { ConnectorTlsOptions } from './tls-options.js';
import type { TransactionLog } from './transaction-log.js';
import type {
  AutoFillOptions,
  ConnectorPoolOptions,
  ReconnectOptions,
  ResolvedConnectorOptions,
  ReversalOptions,
  TerminalQueueOptions,
  UnsolicitedHandler,
} from './options.js';

const NESTED = ['tls', 'pool', 'terminalQueue', 'reversal', 'saf', 'autoFill', 'reconnect'] as const;

let check: SchemaCheck | undefined;

/** How the options are checked against the schema (generated at build time with these: scripts/schema-validators.mjs). */
export const CONNECTOR_OPTIONS_CHECK: SchemaCheckOptions = {
  code: 'ISO8583_ERR_CONNECTOR_OPTIONS',
  subject: 'connector options',
  unknownReason: 'is not an option of the connector',
  useDefaults: true,
  checkSchema: false,
};

function problem(field: string, reason: string): FieldProblem {
  return { field, code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason };
}

/**
 * The keys a PostgreSQL store would hold this connector's SAF entries under, as the store checks them
 * (pg/journal-options.ts `storeKeyProblem`): each of `storeKeys` (`storeKeys.I`), else the `name` with a `store` URL.
 * Refused here, naming the option given: the journal would refuse it as `upstream` or `formerUpstreams/I`, options
 * the caller never gave.
 */
function storeKeyProblems(copy: Record<string, unknown>, seen: ReadonlySet<string>): FieldProblem[] {
  const keys = copy.storeKeys;
  if (Array.isArray(keys)) {
    if (seen.has('storeKeys') || [...seen].some((f) => f.startsWith('storeKeys.'))) return [];
    return storeKeysProblems(keys as unknown[], 'storeKeys.');
  }
  if (keys !== undefined || typeof copy.store !== 'string' || typeof copy.name !== 'string' || seen.has('name')) return [];
  const why = storeKeyProblem(copy.name);
  return why === undefined ? [] : [problem('name', `${why}: it is the key of the SAF entries in the store (storeKeys)`)];
}

/**
 * Checks connector options against the `init` schema of `connector-manifest.json`, fills in the defaults and checks
 * what a schema cannot (pool min <= max, reconnect initialDelay <= maxDelay, header length, journal folder when reversal is on, the `tls` material as
 * Node's TLS will use it, the dialect loads, the `matchKey` fields: each once, the dialect's, none only a response
 * carries; the store keys, `storeKeys` or `name` with a `store` URL, as the store takes them). Throws `ISO8583_ERR_CONNECTOR_OPTIONS` whose `problems` name every
 * offending option (`tls.ca`, never its value). The result is frozen.
 */
export function validateConnectorOptions(options: unknown): ResolvedConnectorOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw optionsError([problem('(options)', 'must be an object')]);
  }
  // A shallow copy (and copies of the nested groups) takes the defaults; loggers and registries are not cloned.
  const copy: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const key of Object.keys(copy)) if (copy[key] === undefined) delete copy[key];
  for (const key of NESTED) {
    const value = copy[key];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) copy[key] = { ...value };
  }
  if (Array.isArray(copy.matchKey)) copy.matchKey = [...(copy.matchKey as unknown[])];
  // `tls.sources` copied and frozen before its check: the caller's object, changed after, would put a name never
  // checked (a line break) into error and warning text.
  const tlsCopy = copy.tls as { sources?: unknown } | undefined;
  const sources = tlsCopy?.sources;
  if (sources !== null && typeof sources === 'object' && !Array.isArray(sources)) (tlsCopy as { sources: object }).sources = Object.freeze({ ...sources });
  check ??= precompiledSchemaCheck(connectorOptionsSchema(), PRECOMPILED, CONNECTOR_OPTIONS_CHECK);
  const problems = check(copy);
  const seen = new Set(problems.map((p) => p.field));
  const pool = copy.pool as Required<ConnectorPoolOptions> | undefined;
  if (pool !== undefined && typeof pool.min === 'number' && typeof pool.max === 'number' && pool.min > pool.max) {
    problems.push(problem('pool.min', 'must not be more than pool.max'));
  }
  const { initialDelay, maxDelay } = (copy.reconnect ?? {}) as ReconnectOptions;
  if (typeof initialDelay === 'number' && typeof maxDelay === 'number' && !seen.has('reconnect.initialDelay') && !seen.has('reconnect.maxDelay')) {
    const order = backoffOrderProblem(initialDelay, maxDelay);
    if (order !== undefined) problems.push(problem('reconnect.initialDelay', `must not be more than reconnect.maxDelay: ${order}`));
  }
  const headerBytes = typeof copy.headerBytes === 'number' ? copy.headerBytes : 0;
  if (typeof copy.header === 'string' && !seen.has('header') && copy.header.length !== headerBytes * 2) {
    problems.push(problem('header', `must be ${headerBytes} bytes (headerBytes) in hex`));
  }
  const reversal = copy.reversal as ReversalOptions | undefined;
  const saf = copy.saf as SafOptions | undefined;
  // A store (a PostgreSQL URL or a journal object) takes the place of a journal folder.
  problems.push(...safProblems(reversal, saf).filter((pr) => copy.store === undefined || !/journalDir$/.test(pr.field)));
  const store = copy.store;
  if (store !== undefined && typeof store === 'object' && !seen.has('store')) {
    const methods = ['open', 'add', 'attempt', 'done', 'close'];
    if (store === null || methods.some((m) => typeof (store as Record<string, unknown>)[m] !== 'function')) {
      problems.push(problem('store', 'must be a postgresql:// URL or a ReversalJournal (open, add, attempt, done, close)'));
    }
  }
  if (reversal !== undefined && Array.isArray(reversal.fields) && !seen.has('reversal.fields')) {
    const never = neverStoredOf(copy.dialect);
    for (const f of reversal.fields) {
      const why = never.get(f);
      if (why !== undefined) problems.push(problem('reversal.fields', `must not name field ${f} (${why}: never stored)`));
    }
    // A reversal's answer is matched, and its transaction kept from going out again while it is under way (after a
    // restart too, read back from the journal), by the STAN and terminal it carries.
    for (const [f, what] of [['11', 'STAN'], ['41', 'terminal']] as const) {
      if (!reversal.fields.includes(f)) problems.push(problem('reversal.fields', `must name field ${f} (${what}): a reversal is matched to its answer, and its transaction held, by it`));
    }
  }
  problems.push(...storeKeyProblems(copy, seen));
  const tls = copy.tls as ConnectorTlsOptions | undefined;
  if (!seen.has('tls')) problems.push(...tlsProblems(tls, seen));
  if (!seen.has('dialect') && (typeof copy.dialect === 'string' || (copy.dialect !== null && typeof copy.dialect === 'object'))) {
    try {
      const dialect = resolveDialect(copy.dialect as string | Dialect);
      createCodec(dialect);
      if (Array.isArray(copy.matchKey) && !seen.has('matchKey') && !problems.some((p) => p.field.startsWith('matchKey.'))) {
        for (const reason of matchKeyProblems(copy.matchKey as string[], dialect)) problems.push(problem('matchKey', reason));
      }
      // With reversal on, a reversal that cannot pack in the dialect (a 0400's 42-digit field 90 in a 1993 packager
      // read as 1987) would be refused at every attempt, the host never told: refused here, naming the field.
      if (reversal?.enabled === true) {
        for (const p of reversalMessageProblems(dialect)) problems.push(problem('dialect', `cannot carry a reversal: ${p.reason} (${p.field})`));
      }
    } catch (err) {
      problems.push(problem('dialect', dialectLoadReason(err)));
    }
  }
  if (problems.length > 0) throw optionsError(problems);
  const header = typeof copy.header === 'string' ? Buffer.from(copy.header, 'hex') : Buffer.alloc(headerBytes);
  const safResolved = resolveSaf(reversal, saf);
  const resolved: ResolvedConnectorOptions = {
    name: copy.name as string,
    host: copy.host as string,
    port: copy.port as number,
    dialect: copy.dialect as string | Dialect,
    frame: copy.frame as LengthHeader,
    lengthIncludesHeader: copy.lengthIncludesHeader as boolean,
    headerBytes,
    lengthExcludesHeaderBytes: copy.lengthExcludesHeaderBytes as boolean,
    header,
    maxFrameSize: copy.maxFrameSize as number,
    // Its key shown `[set]` by JSON and util.inspect: a logged or printed `connector.options` holds no private key.
    tls: tls === undefined ? undefined : hideTlsKey(tls),
    connectTimeout: copy.connectTimeout as number,
    requestTimeout: copy.requestTimeout as number,
    readTimeout: copy.readTimeout as number,
    pool: Object.freeze(copy.pool as Required<ConnectorPoolOptions>),
    mode: copy.mode as 'multiplex' | 'exclusive',
    matchKey: Object.freeze(copy.matchKey as string[]),
    maxInFlight: copy.maxInFlight as number,
    echoInterval: copy.echoInterval as number,
    signOn: copy.signOn as boolean,
    signOff: copy.signOff as boolean,
    terminalQueue: Object.freeze(copy.terminalQueue as Required<TerminalQueueOptions>),
    reversal: Object.freeze({
      ...(copy.reversal as Required<ReversalOptions>),
      journalDir: safResolved.journalDir,
      journal: safResolved.journal,
      retryInterval: safResolved.retryInterval,
      maxAttempts: safResolved.maxAttempts,
      fields: Object.freeze([...(reversal?.fields ?? REVERSAL_FIELDS)]),
    }),
    saf: safResolved,
    store: copy.store as string | ReversalJournal | undefined,
    safLease: copy.safLease as number,
    safOwnerLock: copy.safOwnerLock as boolean,
    storeKeys: Object.freeze([...((copy.storeKeys as readonly string[] | undefined) ?? [copy.name as string])]),
    autoFill: Object.freeze(copy.autoFill as Required<AutoFillOptions>),
    reconnect: Object.freeze(copy.reconnect as Required<ReconnectOptions>),
    logger: copy.logger as Logger | undefined,
    onUnsolicited: copy.onUnsolicited as UnsolicitedHandler | undefined,
    beforeConnect: copy.beforeConnect as (() => void | Promise<void>) | undefined,
    registry: copy.registry as Registry | undefined,
    transactionLog: copy.transactionLog as TransactionLog | false | undefined,
    node: copy.node as string | undefined,
  };
  return Object.freeze(resolved);
}
