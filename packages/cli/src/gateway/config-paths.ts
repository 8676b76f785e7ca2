/**
 * The paths of a gateway config file, read against the file's folder (as a flow file's are: ../config-paths.ts), so
 * that a service whose working folder is `/` (the systemd example) finds `"dialect": "my-host.json"` beside its
 * config file. Flags stay relative to the working folder. A config file given as a pipe (`--config <(...)`,
 * `/dev/stdin`) has no folder of its own: its paths stay relative to the working folder.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fromFolder, isDialectFile } from '../config-paths.js';
import { OWN_DESCRIPTOR } from '../read-file.js';
import { gatewayError } from './errors.js';

/** The keys (the config file's top level) that name a file or a folder. */
const PATH_KEYS = ['logFile', 'reversalJournal', 'httpTokenFile', 'tlsCa', 'tlsCert', 'tlsKey', 'clientTlsCert', 'clientTlsKey', 'clientTlsCa'];

/** The keys of each of the file's `upstreams` that name a file. */
const UPSTREAM_PATH_KEYS = ['tlsCa', 'tlsCert', 'tlsKey'];

/** The dialect keys: a path only when it ends in `.json` or `.xml` (else a built-in name). */
const DIALECT_KEYS = ['dialect', 'clientDialect'];


/** `data`'s path keys (`keys`; a dialect key only when it names a file) read against `dir`, in place. */
function resolveIn(data: Record<string, unknown>, dir: string, keys: readonly string[]): void {
  for (const key of keys) {
    const value = data[key];
    if (typeof value !== 'string' || value === '') continue;
    if (DIALECT_KEYS.includes(key) && !isDialectFile(value)) continue;
    data[key] = fromFolder(dir, value);
  }
}

/**
 * `data` (a config file's keys, checked against its schema) with every relative path read against the folder of the
 * config file at `path`: {@link PATH_KEYS}, a dialect file (`dialect`, `clientDialect`), and each upstream's `dialect`
 * and TLS files. Absolute paths and built-in dialect names are kept.
 */
export function withPathsFromFile(data: Record<string, unknown>, path: string): Record<string, unknown> {
  if (OWN_DESCRIPTOR.test(path)) return data;
  const dir = dirname(path);
  const out = { ...data };
  resolveIn(out, dir, [...PATH_KEYS, ...DIALECT_KEYS]);
  if (Array.isArray(out.upstreams)) {
    out.upstreams = out.upstreams.map((u: unknown) => {
      if (u === null || typeof u !== 'object') return u;
      const own = { ...(u as Record<string, unknown>) };
      resolveIn(own, dir, [...UPSTREAM_PATH_KEYS, 'dialect']);
      return own;
    });
  }
  return out;
}

/**
 * Refuses a relative `reversalJournal` (`given`: as the config file at `path` wrote it) that earlier versions read
 * against the working folder, when a folder is there: read against the config file's folder now, a gateway started
 * elsewhere would open another (empty) journal and never send the reversals the old one owes. The operator moves the
 * folder beside the config file or gives an absolute path (`ISO8583_ERR_GATEWAY_CONFIG`, naming both folders). Called
 * once the flags are merged over the file, and only when the file's journal is the one used: a `--reversal-journal`
 * flag replaces it (config.ts). A file read from a pipe has no folder: its path is read as before, nothing to refuse.
 */
export function journalNotMoved(path: string, given: unknown): void {
  if (OWN_DESCRIPTOR.test(path) || typeof given !== 'string' || given === '' || isAbsolute(given)) return;
  const read = fromFolder(dirname(path), given);
  const before = resolve(given);
  if (before === read || !existsSync(before)) return;
  throw gatewayError(
    'ISO8583_ERR_GATEWAY_CONFIG',
    `config file ${path}: reversalJournal ${JSON.stringify(given)} is read against the config file's folder (${read}), but a folder where earlier versions read it (the working folder: ${before}) exists and may hold reversals owed: move it to ${read} or give an absolute path`,
    { field: '/reversalJournal' },
  );
}

/**
 * The journal folder `--reversal-journal` (or the file's `reversalJournal`, already read against the file's folder)
 * names, as the start, the checks and the comparisons of folders use it: absolute (read against the working folder),
 * without a trailing `/`. Resolved once, here, where the config is parsed: `dir/` and `./dir` are `dir`'s journal, not
 * another folder owing reversals. `''` is kept (an empty value, refused where it is checked).
 */
export function journalFolderOf(value: string): string {
  return value === '' ? value : resolve(value);
}
