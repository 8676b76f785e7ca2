/**
 * Which upstream a reversal journal folder belongs to. A journal's entries (owed reversals, advices, with the card data
 * of their originals) carry no host: a start sends them to whatever host its connector points at. A default journal
 * folder is named by the flow's and the connector's names only (`run`: `FLOW.CONNECTOR`; the gateway: `upstream`, or
 * the upstream's name), so two configurations that share those names at two banks (two `flow.json` files with a
 * connector `bank`) would share one folder, and the second would send the first's owed reversals, card numbers and
 * all, to its own bank. So the start records its upstream (`host:port`) in the folder (`upstream.json`, written
 * durably: a temporary file synced, renamed over, the folder synced) once its journal is open, and a start or a check
 * whose upstream is another refuses while the journal still owes entries ({@link otherUpstreamText}), naming the
 * folder and what to do. A journal that owes nothing is taken over (the marker rewritten); a folder without a marker
 * (a journal from before) is taken as this upstream's. The one home of the rule for `run` (flow/journal-owners.ts) and
 * the gateway.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LOCK_FILE, hostPort, liveLockHolder, owedInJournalSync, owedText } from '@iso8583/connector';

/** The marker file of a journal folder: `{"upstream":"HOST:PORT","by":"gateway"}` (`by`: `flow` for `run`'s). */
export const UPSTREAM_FILE = 'upstream.json';

/**
 * Which command journals in a folder, as its marker records it (`by`): the gateway's folders and the flows'
 * (`FLOW.CONNECTOR`) share the per-user state folder, and the gateway must not take a flow's journal for its own.
 */
export type MarkerKind = 'gateway' | 'flow';

/**
 * A folder's marker: its `upstream` (`host:port`, or `(unreadable: REASON)` as {@link recordedUpstream} says it) and
 * `by`, the command that wrote it (`undefined` for a marker from before `by` was recorded, or an unreadable one).
 */
export interface UpstreamMarker {
  upstream: string;
  by: MarkerKind | undefined;
}

/** The upstream's identity as recorded: `host:port` (`[host]:port` for an IPv6 address). */
export function upstreamId(host: unknown, port: unknown): string {
  return hostPort(String(host), String(port));
}

/**
 * The upstream recorded in `dir` (its {@link UPSTREAM_FILE}); `undefined` when none is recorded (no marker, no
 * folder); `(unreadable: REASON)` when the marker cannot be read or is not one (never taken as this upstream's).
 */
export function recordedUpstream(dir: string): string | undefined {
  return upstreamMarker(dir)?.upstream;
}

/** The marker of `dir` ({@link UpstreamMarker}); `undefined` when none is recorded (no marker, no folder). */
export function upstreamMarker(dir: string): UpstreamMarker | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, UPSTREAM_FILE), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? undefined : { upstream: `(unreadable: ${code ?? 'error'})`, by: undefined };
  }
  try {
    const data = JSON.parse(text) as { upstream?: unknown; by?: unknown } | null;
    if (typeof data?.upstream === 'string') return { upstream: data.upstream, by: data.by === 'gateway' || data.by === 'flow' ? data.by : undefined };
  } catch {
    // Not JSON: said below.
  }
  return { upstream: '(unreadable: not a marker)', by: undefined };
}

/** The folders in `parent` (full paths, sorted by name); none when it cannot be listed. */
export function journalFoldersIn(parent: string): string[] {
  try {
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort()
      .map((name) => join(parent, name));
  } catch {
    return [];
  }
}

/**
 * Why a start (or a check) whose upstream is `upstream` must not open the journal in `dir`: it still owes entries
 * (connector's `owedInJournalSync`, which may throw when the journal cannot be read) and its marker records another
 * upstream; `ownFolder` names the option that gives a journal folder of its own. `undefined` when it may: no marker,
 * the same upstream, or nothing owed. The text says what to do, and how to say the bank only moved (remove the marker).
 */
export function otherUpstreamText(dir: string, upstream: string, ownFolder: string): string | undefined {
  const recorded = recordedUpstream(dir);
  if (recorded === undefined || recorded === upstream) return undefined;
  const owed = owedInJournalSync(dir);
  if (owed.owed === 0) return undefined;
  return (
    `the journal in ${dir} holds ${owedText(owed)} for the upstream ${recorded} (its ${UPSTREAM_FILE}), not ${upstream}: ` +
    `the start would send them to another host. Point it back at ${recorded} until they are sent, or give it a journal folder of its own (${ownFolder}); ` +
    `if it is the same bank at a new address, remove ${join(dir, UPSTREAM_FILE)}`
  );
}

/**
 * Records `upstream` in `dir`, written `by` the gateway or a flow, (made if missing, mode 0700) unless it is recorded
 * already (a marker from before `by` is rewritten with it): the marker written whole
 * and synced before it replaces the old one, and the folder synced, so that a crash leaves the old marker or the new.
 * A marker of another upstream is checked again first ({@link otherUpstreamText}, `ownFolder` as there): between the
 * start's check and its journal's lock, the folder's last process may have stopped owing entries to its own upstream;
 * then nothing is written and the refusal's text is returned (the caller throws it). `undefined` when recorded. Throws
 * the system's error when it cannot be written (the temporary file removed). Called from the connector's
 * `beforeConnect` (gateway/journal-upstreams.ts, flow/journal-owners.ts), it runs once the journal is open and before
 * the link connects or sends any entry: the refusal stops entries owed elsewhere before anything reaches this upstream.
 */
export function recordUpstream(dir: string, upstream: string, ownFolder: string, by: MarkerKind): string | undefined {
  const marker = upstreamMarker(dir);
  const recorded = marker?.upstream;
  if (recorded === upstream && marker?.by === by) return undefined;
  if (recorded !== undefined && recorded !== upstream) {
    const refusal = otherUpstreamText(dir, upstream, ownFolder);
    if (refusal !== undefined) return refusal;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `${UPSTREAM_FILE}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify({ upstream, by })}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, join(dir, UPSTREAM_FILE));
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  const folder = openSync(dir, 'r');
  try {
    fsyncSync(folder);
  } finally {
    closeSync(folder);
  }
  return undefined;
}

/**
 * The other journal folders beside `dir` (its siblings: the per-user state folder's, for a default folder) whose
 * marker records `upstream` and whose journal still owes entries, each with what it owes in the connector's words
 * (`owedText`): a configuration renamed (a flow's name, its file's name) journals in a new folder and never sends
 * them. Read only; a folder that cannot be listed or read is left out, and so is a gateway's (its marker's `by`) and one
 * whose lock a process of this machine, confirmed running, holds.
 */
export function owedElsewhere(dir: string, upstream: string): { dir: string; owed: string }[] {
  const out: { dir: string; owed: string }[] = [];
  for (const other of journalFoldersIn(dirname(dir))) {
    const marker = upstreamMarker(other);
    // A gateway's folder at the same bank is not a renamed flow's; one a live process journals in is not read (a torn read).
    if (other === dir || marker?.upstream !== upstream || marker.by === 'gateway') continue;
    if (liveLockHolder(join(other, LOCK_FILE))?.state === 'alive') continue;
    try {
      const owed = owedInJournalSync(other);
      if (owed.owed > 0) out.push({ dir: other, owed: owedText(owed) });
    } catch {
      // Unreadable: not this configuration's journal; its own start says why.
    }
  }
  return out;
}
