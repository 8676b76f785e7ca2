/**
 * The connector options of each of the gateway's upstream links, from the gateway's config: multiplexed on one
 * connection, with sign-on, echo, the reconnect backoff, the terminal queue, TLS, and (unless `--no-reversal`) reversals and advices in a SAF
 * queue, in a journal folder per upstream or in the PostgreSQL `--store`.
 */
import { matchKeyOf } from './match-key-check.js';
export { matchKeyOf };
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { dialectVersion } from '@iso8583/codec';
import { connectorOptionsSchema, defaultJournalDir, validateConnectorOptions } from '@iso8583/connector';
import type { ConnectorOptions, TransactionLog } from '@iso8583/connector';
import type { GatewayConfig } from './config.js';
import { splitHostPort } from './config.js';
import type { GatewayUpstream } from './upstreams.js';
import { maxInFlightOf, terminalQueueDepthOf } from './in-flight.js';
import { reconnectOptions } from './reconnect.js';
import { upstreamTlsOptions } from './tls.js';
import { upstreamDialect } from './dialects.js';
import { upstreamProblem } from './upstream-problem.js';
import { gatewayError } from './errors.js';

/**
 * The connector's own `pool.acquireTimeout` default (ms), as its manifest gives it (the one home of the connector's
 * defaults): a link's wait for its connection never exceeds it.
 */
const DEFAULT_ACQUIRE_TIMEOUT = manifestDefault(connectorOptionsSchema(), ['pool', 'acquireTimeout']);

/** The `default` of the option at `path` in the connector options' JSON Schema; throws when the manifest has none. */
function manifestDefault(schema: Record<string, unknown>, path: readonly string[]): number {
  let at: unknown = schema;
  for (const name of path) at = (at as { properties?: Record<string, unknown> } | undefined)?.properties?.[name];
  const value = (at as { default?: unknown } | undefined)?.default;
  if (typeof value !== 'number') throw new Error(`connector-manifest.json gives no default for ${path.join('.')}`);
  return value;
}

/**
 * The upstreams the gateway runs as a group, each named with its own journal folder: the config file's `upstreams`
 * when there are several or `routes` pick among them; `undefined` for one link (a lone config-file upstream included).
 */
export function groupUpstreams(config: Pick<GatewayConfig, 'upstreams' | 'routes'>): readonly GatewayUpstream[] | undefined {
  return config.upstreams !== undefined && (config.upstreams.length > 1 || (config.routes ?? []).length > 0) ? config.upstreams : undefined;
}

/**
 * The journal folder of the gateway's upstream link (`named`: one of several upstreams, its own folder,
 * `<reversalJournal>/<name>`, else `defaultJournalDir(name)`); unused with a PostgreSQL `store`.
 */
export function journalDirOf(config: Pick<GatewayConfig, 'reversalJournal'>, named?: Pick<GatewayUpstream, 'name'>): string {
  if (named === undefined) return config.reversalJournal ?? defaultJournalDir('upstream');
  return config.reversalJournal !== undefined ? join(config.reversalJournal, named.name) : defaultJournalDir(named.name);
}

/**
 * The folder of the file journal the link `named` opens ({@link journalDirOf}), as its connector options place it
 * (`saf.journalDir`); `undefined` when it opens none: `--no-reversal`, or a PostgreSQL `store` (its SAF queue in the
 * database). The one home of that rule for the start, `--check-config` and the upstream markers (journal-upstreams.ts).
 */
export function fileJournalOf(config: Pick<GatewayConfig, 'reversalJournal' | 'noReversal' | 'store'>, named?: Pick<GatewayUpstream, 'name'>): string | undefined {
  return config.noReversal || config.store !== undefined ? undefined : journalDirOf(config, named);
}

/**
 * Why `named` (one of the group's upstreams) cannot have its own journal folder, naming `/upstreams/N/name`: a name `.`
 * or `..` (`<reversalJournal>/..` is outside `--reversal-journal`), or, when its reversals are journaled in folders (no
 * `--no-reversal`, no `--store`), an upstream before it whose folder is the same (`a:b` and `a_b` are one folder under
 * the default state folder, `defaultJournalDir`): two links on one journal, whose lock stops the start. Else undefined.
 */
export function journalFolderProblem(
  config: Pick<GatewayConfig, 'upstreams' | 'routes' | 'reversalJournal' | 'noReversal' | 'store'>,
  named: Pick<GatewayUpstream, 'name'>,
): Error | undefined {
  const upstreams = config.upstreams ?? [];
  const i = upstreams.findIndex((u) => u === named || u.name === named.name);
  const problem = (text: string): Error => {
    const field = `/upstreams/${i}/name`;
    return gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `${field} (upstream ${JSON.stringify(named.name)}): ${text}`, { field });
  };
  if (named.name === '.' || named.name === '..') return problem('names no journal folder of its own: name it after its bank');
  const dir = fileJournalOf(config, named);
  if (dir === undefined) return undefined;
  const other = (groupUpstreams(config) ?? []).slice(0, Math.max(0, i)).find((u) => journalDirOf(config, u) === dir);
  if (other === undefined) return undefined;
  return problem(`its reversal journal folder ${dir} is also upstream ${JSON.stringify(other.name)}'s: name them apart`);
}

/**
 * The upstream whose own settings apply to the link `named` (one of several upstreams): `named`, else a lone upstream
 * of the config file (its name and journal folder stay the gateway's), else none (the gateway's flags alone).
 */
function ownUpstreamOf(config: GatewayConfig, named?: GatewayUpstream): GatewayUpstream | undefined {
  return named ?? (config.upstreams?.length === 1 ? config.upstreams[0] : undefined);
}

/** The host and port the link `named` connects to, as {@link upstreamOptions} gives them, without building the options. */
export function upstreamAddressOf(config: GatewayConfig, named?: GatewayUpstream): { host: string; port: number } {
  const own = ownUpstreamOf(config, named);
  return splitHostPort((own === undefined ? config : ({ ...config, ...own } as GatewayConfig)).upstream);
}

/**
 * The connector options of the gateway's upstream link; with `named` (one of several upstreams), its own settings over
 * the gateway's, its name, and its own journal folder (`<reversalJournal>/<name>`, else `defaultJournalDir(name)`), or
 * the PostgreSQL `store` (each upstream's entries apart, by its name). Without `named`, a lone upstream of the config
 * file still gives its own settings (the name and journal folder stay the gateway's). The reversal MTI follows the
 * upstream's own dialect; TLS as `upstreamUsesTls` decides, its files read and checked (tls.ts).
 */
export function upstreamOptions(
  config: GatewayConfig,
  logger: Logger,
  registry: Registry | undefined,
  named?: GatewayUpstream,
  transactionLog: TransactionLog | false = false,
): ConnectorOptions {
  // A lone upstream of the config file (no group: its name and journal folder are the gateway's own) still has its own
  // settings (dialect, framing, TLS, sign-on, echo).
  const own = ownUpstreamOf(config, named);
  // Each upstream of a group journals in a folder of its own: refused here, so --check-config fails as the start would.
  const folder = named === undefined ? undefined : journalFolderProblem(config, named);
  if (folder !== undefined) throw folder;
  try {
    const options = ownOptions(config, logger, registry, named, own, transactionLog);
    // Checked here, so that a problem of an upstream's own key names it (`/upstreams/N/frame`: upstream-problem.ts).
    validateConnectorOptions(options);
    return options;
  } catch (err) {
    throw upstreamProblem(err, config, own);
  }
}

/** {@link upstreamOptions} of `own` (the upstream whose own settings apply, if any), unchecked. */
function ownOptions(
  config: GatewayConfig,
  logger: Logger,
  registry: Registry | undefined,
  named: GatewayUpstream | undefined,
  own: GatewayUpstream | undefined,
  transactionLog: TransactionLog | false,
): ConnectorOptions {
  const c: GatewayConfig = own === undefined ? config : ({ ...config, ...own } as GatewayConfig);
  const name = named?.name ?? 'upstream';
  const { host, port } = splitHostPort(c.upstream);
  // Read once, here, each file naming its setting (dialects.ts); the connector takes the loaded dialect.
  const dialect = upstreamDialect(config, own);
  const options: ConnectorOptions = {
    name,
    host,
    port,
    dialect,
    frame: c.frame,
    lengthIncludesHeader: c.lengthIncludesHeader,
    lengthExcludesHeaderBytes: c.lengthExcludesHeaderBytes,
    // An upstream's own headerHex makes its headerBytes, unless it gives those too (the connector checks they agree).
    headerBytes: own?.headerHex !== undefined && own.headerBytes === undefined ? own.headerHex.length / 2 : c.headerBytes,
    // --header-hex, or the upstream's own headerHex: the fixed header of every request sent upstream (else
    // `headerBytes` zero bytes).
    ...(c.headerHex === undefined ? {} : { header: c.headerHex.toLowerCase() }),
    requestTimeout: c.requestTimeout,
    // --match-key (SocketQueue's queueMessageKeyFields): the answer's MTI stays the key's first part, as by default.
    ...(c.matchKey === undefined ? {} : { matchKey: matchKeyOf(c.matchKey) }),
    // As many as the gateway's listeners admit (in-flight.ts), not the connector's 1000: each is bounded in time.
    maxInFlight: maxInFlightOf(config),
    mode: 'multiplex',
    // The wait for the link (a bank down: until its next connect attempt fails) is bounded by --request-timeout too,
    // not the connector's own 10 s: with three upstreams down and --request-timeout 2000 an HTTP answer took 10.02 s.
    pool: { min: 1, max: 1, acquireTimeout: Math.min(c.requestTimeout, DEFAULT_ACQUIRE_TIMEOUT) },
    echoInterval: c.echoInterval,
    // The backoff between tries to link the bank again (its own when it gives one): reconnect.ts.
    reconnect: reconnectOptions(c),
    signOn: c.signOn,
    signOff: c.signOn,
    // A terminal's queue holds what the link accepts (in-flight.ts), not the connector's 100.
    terminalQueue: { enabled: c.terminalQueue, maxQueued: terminalQueueDepthOf(config), timeout: c.requestTimeout,
      ...(config.terminalLockConnections === undefined ? {} : { lockConnections: config.terminalLockConnections }) },
    logger: logger.child(named === undefined ? { side: 'upstream' } : { side: 'upstream', upstream: name }),
    transactionLog,
  };
  if (registry !== undefined) options.registry = registry;
  if (config.store !== undefined) {
    // Every node on the database shares the reversals of this upstream (and, with --terminal-queue, its terminals).
    options.store = config.store;
    options.safLease = config.safLease;
    options.safOwnerLock = !config.noSafOwnerLock;
    // Each named upstream's reversals under its own name, the first one's too (the HTTP app registers that connector
    // as `upstream`, a name that says nothing of the bank): reordering the upstreams must never send one bank's
    // reversals to another. The first also takes over the rows stored under `upstream` (a lone upstream's, and the
    // first upstream's, as earlier versions stored them).
    if (named !== undefined) options.storeKeys = named === config.upstreams?.[0] ? [name, 'upstream'] : [name];
    // A lone upstream given a name (`--upstream bankX=HOST:PORT`, or the config file's lone `upstreams` entry) keeps
    // its reversals under that name too, taking over those stored under `upstream` (as earlier versions stored them):
    // a bank added in front of it later takes over `upstream`, so it must not find this bank's reversals there.
    else if (own?.name !== undefined && own.name !== 'upstream') options.storeKeys = [own.name, 'upstream'];
  }
  const journalDir = fileJournalOf(config, named);
  if (!config.noReversal) {
    options.reversal = {
      enabled: true,
      // ISO 8583:1993 acquirers reverse with the advice (1420, repeated as 1421): the issuer must take it. The
      // upstream's own dialect decides (an iso93 upstream behind an iso87 gateway gets 1420s).
      mti: dialectVersion(dialect) === '1993' ? '0420' : '0400',
    };
    // One SAF queue per upstream (its own journal folder): its reversals and the advices sent with `saf`.
    options.saf = {
      enabled: true,
      // With --store the queue is in the database, shared by every node.
      ...(journalDir === undefined ? {} : { journalDir }),
      retryInterval: Math.max(1, config.reversalRetryInterval),
      initialDelay: config.safInitialDelay,
      messageInterval: config.safMessageInterval,
      maxAttempts: config.safMaxAttempts,
      maxInFlight: config.safMaxInFlight,
      maxEntries: config.safMaxEntries,
      expireAfter: config.safExpireAfter,
      ...(config.safEndCodes === undefined ? {} : { endCodes: [...new Set(config.safEndCodes.split(','))] }),
    };
  }
  // TLS as the upstream's own settings decide, else the gateway's (tls.ts); its files read and checked.
  const tls = upstreamTlsOptions(config, own, c);
  // Its `sources` name the flags and keys that gave it (tls.ts): --tls-insecure's warning at start names the flag.
  if (tls !== undefined) options.tls = tls;
  return options;
}
