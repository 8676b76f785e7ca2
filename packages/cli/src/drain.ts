import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Connector, SafEvent } from '@iso8583/connector';
import { plural } from './plural.js';

/** SAF entries still waiting in the connectors' queues, by kind: the connectors' own reversals, and advices sent with `saf: true`. */
export interface SafLeft {
  reversals: number;
  advices: number;
}

/** What the connectors' SAF queues still hold (journaled, not yet ended), by kind. */
export function safLeft(connectors: readonly Connector[]): SafLeft {
  let reversals = 0;
  let depth = 0;
  for (const c of connectors) {
    const s = c.stats();
    reversals += Number(s.reversalsPending ?? 0);
    depth += Number(s.safDepth ?? 0);
  }
  // The SAF depth counts every entry being sent (reversals and advices); the reversals are counted apart.
  return { reversals, advices: Math.max(0, depth - reversals) };
}

/** How a stop ended, for {@link logStopped}. */
export interface StopEnd {
  /** `stopped` (a graceful stop, its deadline reached included) or `aborted` (a second stop signal). Default: `stopped`. */
  verb?: 'stopped' | 'aborted';
  /**
   * An abort whose connectors were not all destroyed yet when its line was written ({@link abortConnectors}): said as
   * `"closing": true`. Default `false`.
   */
  closing?: boolean;
  /**
   * Where the entries left are kept (the journal folder(s), or `the --store database`: never its URL, which may hold a
   * password), said as `kept`. Default: not said.
   */
  kept?: string;
  /**
   * The stop failed (a journal lost meanwhile, a close that rejected): the code of its failure (`ISO8583_ERR_...`, or
   * `''` when it has none). The line is then `error` `"<what> stop failed (CODE)"`, with `failed` (never `"<what>
   * stopped"`, which reads as a stop that went well), its figures as ever. Default: the stop did not fail.
   */
  failed?: string;
  /**
   * An abort's approvals whose reversal was still being stored or sent as it ended (each logged `NOT known reversed`
   * before): said as `notKnownReversed`, and the line is then `error`. Default 0: not said.
   */
  notKnownReversed?: number;
}

/** The code of a stop's failure for {@link StopEnd.failed}: its `ISO8583_...` code, else `''` (never its text). */
export function failureCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^ISO8583_[A-Z0-9_]+$/.test(code) ? code : '';
}

/**
 * The reversals the connectors owe whose entry is not in their store (`safNotStored`: a response that could not be
 * recorded, its `done` maybe committed unseen, and the reopen never stored): neither the next start nor another node
 * sends them. At a stop's end, each fails the stop (`ISO8583_ERR_NOT_REVERSED`, exit 1) and the end line counts them.
 */
export function notStoredOf(connectors: readonly Connector[]): number {
  return connectors.reduce((n, c) => n + Number(c.stats().safNotStored ?? 0), 0);
}

/**
 * Logs the end of a graceful stop (`what`: `gateway`, `flow NAME`) with what the SAF queues still hold, `safLeft`
 * ({@link SafLeft}) in every case: `info` `"<what> stopped"` when nothing is left, else `warn` `"<what> stopped with SAF
 * entries left in the journal: the next start sends them"` (`ISO8583_WARN_STOPPED_SAF_LEFT`, as every line naming what
 * is left); but `error`, with `notDurable`, when some of them are held
 * in memory only (their journal's records are lost: its file removed or replaced), which the next start does NOT send
 * (reverse those by hand), and with `notStored` ({@link notStoredOf}), when reversals are NOT in the database. Entries that ended in memory while their journal refused the record (`unrecorded`: a full
 * disk, its lock removed) are still open in it, and the next start may send them again: said at `warn` at least.
 * With `end` ({@link StopEnd}): the end of an abort (`"<what> aborted ..."`, with `reversalsPending` too), and where
 * the entries left are kept (`kept`), and a stop that failed (`failed`: `error` `"<what> stop failed (CODE)"`). Call it
 * once the connectors have closed (or been destroyed: their figures stay).
 */
export function logStopped(logger: Logger, what: string, connectors: readonly Connector[], end: StopEnd = {}): void {
  const verb = end.verb ?? 'stopped';
  const left = safLeft(connectors);
  const sum = (key: 'safNotDurable' | 'safNotStored' | 'safUnrecorded'): number => connectors.reduce((n, c) => n + Number(c.stats()[key] ?? 0), 0);
  const notStored = notStoredOf(connectors);
  // The journal's records lost (file journal); the reversals not stored are told apart below.
  const notDurable = sum('safNotDurable') - notStored;
  const unrecorded = sum('safUnrecorded');
  const parts: string[] = [];
  if (left.reversals + left.advices > notStored) {
    parts.push(
      notDurable === 0
        ? 'SAF entries left in the journal: the next start sends them'
        : `SAF entries left, ${notDurable} of them in memory only (their journal's records are lost): the next start does NOT send those`,
    );
  }
  if (notStored > 0) {
    parts.push(`${plural(notStored, 'reversal')} of responses that could not be recorded NOT in the database (the store may hold ${notStored === 1 ? 'its entry' : 'their entries'} done): neither the next start nor another node sends ${notStored === 1 ? 'it' : 'them'}; reverse by hand`);
  }
  const one = unrecorded === 1;
  if (unrecorded > 0) parts.push(`${unrecorded} SAF ${one ? 'entry' : 'entries'} ended but not recorded in the journal: the next start may send ${one ? 'it' : 'them'} again (a repeat)`);
  const notKnownReversed = end.notKnownReversed ?? 0;
  if (notKnownReversed > 0) parts.push(`${plural(notKnownReversed, 'approval')} the clients never got still being reversed: NOT known reversed (the lines above: check them and reverse by hand those the journal does not hold)`);
  const line = {
    safLeft: left,
    ...(verb === 'aborted' ? { reversalsPending: left.reversals } : {}),
    ...(notKnownReversed > 0 ? { notKnownReversed } : {}),
    ...(notDurable > 0 ? { notDurable } : {}),
    ...(notStored > 0 ? { notStored } : {}),
    ...(unrecorded > 0 ? { unrecorded } : {}),
    ...(end.kept === undefined ? {} : { kept: end.kept }),
    ...(end.closing === true ? { closing: true } : {}),
    ...(end.failed === undefined ? {} : { failed: end.failed === '' ? true : end.failed }),
  };
  if (end.failed !== undefined) {
    const code = end.failed === '' ? '' : ` (${end.failed})`;
    logger.error(parts.length === 0 ? line : { code: 'ISO8583_WARN_STOPPED_SAF_LEFT', ...line }, `${what} stop failed${code}${parts.length === 0 ? '' : `, with ${parts.join('; ')}`}`);
  } else if (parts.length === 0) logger.info(line, `${what} ${verb}`);
  else logger[notDurable > 0 || notStored > 0 || notKnownReversed > 0 ? 'error' : 'warn']({ code: 'ISO8583_WARN_STOPPED_SAF_LEFT', ...line }, `${what} ${verb} with ${parts.join('; ')}`);
}

/**
 * Sends at once every SAF entry waiting for its next attempt (`Connector.flushSaf`), then resolves once no connector
 * has a SAF entry pending (neither a reversal nor an advice; an answered one whose `done` a store out of reach has not
 * recorded yet is still pending, and ends with its event once it commits), or none that can move before `until` (a
 * `Date.now()` time; every pending entry's next attempt, or the next try of such a `done` (its `waiting` event), is
 * later: `Connector.safNextDue`; the stop line then counts it as left, and the next start sends it as a repeat),
 * `until` has passed, or `signal` aborts: what `iso8583 gateway` and `iso8583 run` wait for before their connectors
 * close on a graceful stop, so that what can be delivered while the link is up is not left for the next start, nor
 * left waiting for an `initialDelay` or a retry interval longer than the deadline, and that the stop does not wait
 * out its deadline for an entry whose repeat is due after it.
 *
 * Driven by the connectors' `saf` events, not by polling: an entry that ends (`answered`, `abandoned`, `expired`,
 * `released`) has the queues counted again, and an entry queued during the wait (a request in flight when the stop
 * began times out, or loses its connection, and is reversed) is flushed on its own (`flushSaf(id)`), so that it too
 * leaves at once while the others keep their timers. A connector that closes meanwhile (an abort) sends nothing more:
 * its entries no longer count. An attempt that fails during the wait (refused, or unanswered) is repeated after its
 * `saf.retryInterval` as usual: a refusing host is not asked again early; once every pending entry waits so past
 * `until` (the `waiting` events), the wait ends. Whatever is still pending at the end stays journaled (see
 * {@link safLeft} and {@link logStopped} for what the stop reports).
 *
 * `clientsDone` (default: already settled) is the work whose clients may still give up: the POS endpoint's and the
 * HTTP server's close. An answer a client never gets is stored as a reversal up to then, so the wait does not end
 * before it settles (until `until` or `signal`), while what is pending is sent at once all the same. (An HTTP
 * client gone while its request is still at the bank closes its connection early: that answer's reversal is stored
 * when it comes, during the connector's close, which waits for its requests and sends what it stores.)
 */
export function waitForSaf(connectors: readonly Connector[], until: number, signal?: AbortSignal, clientsDone: Promise<unknown> = Promise.resolve()): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const open = new Set(connectors);
    const stops: (() => void)[] = [];
    let done = false;
    let clientsGone = false;
    const timer = setTimeout(() => finish(), Math.max(0, until - Date.now()));
    /** A check waiting for the next turn of the event loop (see `check`). */
    let checking: NodeJS.Immediate | undefined;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (checking !== undefined) clearImmediate(checking);
      for (const stop of stops) stop();
      resolve();
    };
    // Nothing pending, or nothing that can move before the deadline: every entry left waits for an attempt after it.
    // At most once a turn of the event loop: a large backlog ends many entries in a turn, and one read a turn says all
    // (`safNextDue` walks no entry: the SAF queue keeps its earliest timer, saf-active.ts).
    const check = (): void => {
      if (!clientsGone || done || checking !== undefined) return;
      checking = setImmediate(() => {
        checking = undefined;
        if ([...open].every((c) => (c.safNextDue() ?? Infinity) > until)) finish();
      });
    };
    for (const c of connectors) {
      const onSaf = (event: SafEvent): void => {
        if (event.stage === 'queued') c.flushSaf(event.id);
        else if (event.stage !== 'sent' && event.stage !== 'refused') check();
      };
      const onClose = (): void => {
        open.delete(c);
        check();
      };
      c.on('saf', onSaf);
      c.on('close', onClose);
      stops.push(() => {
        c.off('saf', onSaf);
        c.off('close', onClose);
      });
    }
    if (signal !== undefined) {
      signal.addEventListener('abort', finish, { once: true });
      stops.push(() => signal.removeEventListener('abort', finish));
    }
    for (const c of connectors) c.flushSaf();
    const settled = (): void => {
      clientsGone = true;
      check();
    };
    clientsDone.then(settled, settled);
  });
}

/**
 * The wait (ms) of an abort for its connectors' destroy before its last line is written with the figures as they stand,
 * when its cut clients had nothing to store (their close came, no reversal was under way): 800. An abort that waits for
 * a close or for stores ({@link ABORT_CLOSE_WAIT}, {@link abortStoreWait}) gives the destroy {@link ABORT_STORE_TAIL}
 * more after them; never past {@link ABORT_MAX_WAIT}.
 */
export const ABORT_LINE_WAIT = 800;

/**
 * The least time (ms) an abort gives, after the cut clients' close, to the reversals their reports began (stored in
 * the SAF journal: {@link abortStoreWait}), and then to the connectors' destroy: 300.
 */
export const ABORT_STORE_TAIL = 300;

/**
 * The time (ms) an abort gives to each reversal under way once the cut clients have closed, on top of
 * {@link ABORT_STORE_TAIL} ({@link abortStoreWait}): 10. A starved machine stores hundreds of them (a terminal that
 * never reads, its approvals queued) more slowly than a fixed bound allowed: those the destroy came before were "NOT
 * reversed".
 */
export const ABORT_STORE_EACH = 10;

/**
 * How long (ms), from an abort's start, it waits for the client connections it cuts to close (each reports, as it
 * closes, the approvals it could not deliver, whose reversals are then stored) before it destroys the connectors all
 * the same: 3,000, the last resort for a close that hangs. A close waits only for what was already sent to its peer to
 * be read out (a few turns of the event loop), so this bound is reached only on a machine starved of CPU (or with a
 * peer that never stops sending); at 500 ms a loaded machine had the close report its approvals after the destroy.
 */
export const ABORT_CLOSE_WAIT = 3_000;

/**
 * The longest an abort takes (ms) before its end line: 8,000 ({@link ABORT_CLOSE_WAIT}, the stores, the destroy). The
 * signal handler's grace is a little more (signals.ts `ABORT_EXIT_WAIT`), so the line always reaches the log first.
 */
export const ABORT_MAX_WAIT = 8_000;

/**
 * How long (ms) an abort waits for `underway` reversals being stored (the cut clients' reports: the book's
 * `underway()`) before the connectors go: {@link ABORT_STORE_TAIL} plus {@link ABORT_STORE_EACH} each, at most
 * {@link ABORT_MAX_WAIT}. It grows with what is queued, so that a busy machine still stores them all.
 */
export function abortStoreWait(underway: number): number {
  return Math.min(ABORT_STORE_TAIL + ABORT_STORE_EACH * Math.max(0, underway), ABORT_MAX_WAIT);
}

/**
 * How long (ms), from an abort's start, the client connections it cuts may take to close before its `beforeDestroy`
 * runs all the same (what would free a close held up: the flow's books' `abandon`, the end of a stop's SAF drain): 250.
 * Never the bound of the connectors' destroy: that waits for the close itself (each connection's report of the answers
 * it could not deliver) up to {@link ABORT_CLOSE_WAIT}, the last resort, and then for what `beforeDestroy` stores once
 * more.
 */
export const CLIENTS_CLOSE_WAIT = 250;

/**
 * Longest wait (ms) of an abort for the transaction log's database, once the connectors are destroyed: the batch in
 * flight and what is buffered are then kept (PostgreSQL: in the journal folder, `spillDir`) or reported, before the
 * last line. With a store's destroy (cut after 200 ms), well inside {@link ABORT_LINE_WAIT}: a log that waited out its
 * own `closeTimeout` (5 s) did so past the process's exit, and its records went unsaid.
 */
export const ABORT_LOG_WAIT = 100;

/** What {@link abortConnectors} does besides destroying the connectors. */
export interface AbortSteps {
  /**
   * Closes the listeners and client connections, at once (called after the first line); may resolve once the client
   * connections have closed (each has then reported the answers it could not deliver, whose reversals are stored),
   * which the connectors' destroy waits for, up to {@link ABORT_CLOSE_WAIT} from the abort's start (then two more turns
   * of the event loop, so that the close callbacks already due run first). Default: nothing.
   */
  closeListeners?: () => void | Promise<unknown>;
  /**
   * Runs once the client connections have closed (or {@link CLIENTS_CLOSE_WAIT} passed), right before the connectors are
   * destroyed: what would close them sooner (a stop's SAF drain under way, which frees the links) ends here, not before
   * the cut clients have stored their reversals. May return what the destroy waits for (the reversals of approvals the
   * cut clients never got, forced now when their endpoint's close is still under way, stored: a destroy first refused
   * them: bounded by the caller, {@link abortStoreWait}), never past {@link ABORT_MAX_WAIT} from the abort's start. Run a
   * second time when the clients' close ended after
   * {@link CLIENTS_CLOSE_WAIT} (their reports came since: their reversals are waited for too): it must allow that.
   * Default: nothing.
   */
  beforeDestroy?: () => void | Promise<unknown>;
  /** Runs once every connector is destroyed (the transaction log's close), before the last line when in time. Default: nothing. */
  afterDestroy?: () => Promise<unknown>;
  /** Where the SAF entries left are kept ({@link StopEnd.kept}). Default: not said. */
  kept?: string;
  /**
   * Called right before the abort's end line: logs at `error` each reversal still being stored or sent (the book's
   * `logUnderway`: the cut's bound came first, and the destroy refuses them) and returns how many
   * ({@link StopEnd.notKnownReversed}). Default: none.
   */
  logUnderway?: () => number;
}

/**
 * The abort of `iso8583 gateway` and `iso8583 run` (a second stop signal), one story in two lines: `warn` `"<what>
 * aborting: work in flight dropped, SAF entries kept in the journal"` at once (the moment the abort began, written
 * before anything that may hang), then the connectors destroyed (every request in flight fails; what the journals
 * hold stays there), and the end line {@link logStopped} with `verb: 'aborted'` (`safLeft`, `reversalsPending`,
 * `kept`; no card data) once they are, or when {@link cutThenDestroy}'s bound has passed, with the figures as they
 * stand and `"closing": true` (a store that hangs, say): the process exits with the destroy still under way. Resolves
 * once the end line is written.
 */
export async function abortConnectors(logger: Logger, what: string, connectors: readonly Connector[], steps: AbortSteps = {}): Promise<void> {
  logger.warn(`${what} aborting: work in flight dropped, SAF entries kept in the journal`);
  const done = await cutThenDestroy(connectors, steps);
  const notKnownReversed = steps.logUnderway?.() ?? 0;
  logStopped(logger, what, connectors, { verb: 'aborted', notKnownReversed, ...(steps.kept === undefined ? {} : { kept: steps.kept }), ...(done ? {} : { closing: true }) });
}

/**
 * The cut and destroy of an abort ({@link abortConnectors}), and of a graceful stop past its deadline (the one code path
 * of both): the clients cut (`closeListeners`), their close waited for (up to {@link ABORT_CLOSE_WAIT} from the start),
 * then `beforeDestroy` (the reversals their reports began stored: {@link abortStoreWait}; never past {@link ABORT_MAX_WAIT}
 * less {@link ABORT_STORE_TAIL} from the start, so that the destroy keeps its tail), then the connectors destroyed
 * and `afterDestroy`. Resolves `true` once all that is done, or `false` when the destroy is still under way (a destroy
 * or a store that hangs: it goes on in the background) {@link ABORT_LINE_WAIT} from the start or
 * {@link ABORT_STORE_TAIL} after the stores, whichever is later, and at {@link ABORT_MAX_WAIT} from the start at the
 * latest. With nothing to wait for, it ends as it did with a fixed bound: within {@link ABORT_LINE_WAIT}. Writes no line.
 */
export async function cutThenDestroy(connectors: readonly Connector[], steps: AbortSteps = {}): Promise<boolean> {
  const start = performance.now();
  // The end line's bound: the last resort (ABORT_MAX_WAIT) while the close and the stores are waited for; once they
  // are, the destroy's (`destroyBound`).
  let timer: NodeJS.Timeout | undefined;
  let markLate: () => void = () => undefined;
  const late = new Promise<false>((resolve) => (markLate = () => resolve(false)));
  let over = false;
  const lateAt = (ms: number): void => {
    if (over) return;
    clearTimeout(timer);
    timer = setTimeout(markLate, Math.max(0, start + Math.min(ms, ABORT_MAX_WAIT) - performance.now()));
  };
  lateAt(ABORT_MAX_WAIT);
  // The last resort for a close that hangs (ABORT_CLOSE_WAIT): what its reports began to store (their reversals) still
  // is before the links go.
  let closeTimer: NodeJS.Timeout | undefined;
  const closeLate = new Promise<'late'>((resolve) => (closeTimer = setTimeout(() => resolve('late'), ABORT_CLOSE_WAIT)));
  // A client connection cut here reports, as it closes, an answer it could not deliver (an approval made and waiting to
  // be written: pipelined behind another, or for a client slow to read), and its reversal is stored in the SAF queue:
  // a destroy before that refused the store, and the approval was not reversed at all (logged "NOT reversed"). So the
  // destroy waits for the close itself, not for a timer of its own: a process descheduled past such a timer ran it
  // before the sockets' close callbacks (a socket paused for a client slow to read is read out first, over turns of
  // the event loop), and destroyed the connectors before the report. A cut during a graceful close (a second stop
  // signal while the POS endpoint reads out a slow terminal) joins that close, whose read-out may take long on a
  // machine starved of CPU: a fixed 500 ms had the approvals reported after the destroy "NOT reversed" (199 of 263 on a
  // loaded machine). Only ABORT_CLOSE_WAIT cuts a close that hangs short: the last resort; what its reports began is
  // then stored all the same, waited for as long as what is under way calls for (the caller's abortStoreWait). Two
  // turns more after the close let the close callbacks already due run first.
  let clientsTimer: NodeJS.Timeout | undefined;
  const clientsLate = new Promise<'late'>((resolve) => (clientsTimer = setTimeout(() => resolve('late'), CLIENTS_CLOSE_WAIT)));
  const cut = steps.closeListeners?.();
  const clientsClosed = cut === undefined ? undefined : Promise.resolve(cut).catch(() => undefined).then(() => nextTurns(2)).then(() => 'closed' as const);
  // What must be stored before the connectors go (a reversal the endpoint's slow close had not started yet), and what
  // frees a close held up (the flow's books' abandon): begun once the clients have closed, or at CLIENTS_CLOSE_WAIT.
  const closedInTime = clientsClosed === undefined ? 'closed' : await Promise.race([clientsClosed, clientsLate]);
  clearTimeout(clientsTimer);
  // The stores' bound (sr67d 2), from the abort's start (sr67n #1: not from the clients' close): ABORT_STORE_TAIL
  // before the end line's, so that the destroy (a store's own cut:
  // 200 ms) and the transaction log's spill (ABORT_LOG_WAIT) always run before the end line, whatever the stores took.
  let storesTimer: NodeJS.Timeout | undefined;
  const storesLate = new Promise<void>((resolve) => (storesTimer = setTimeout(resolve, Math.max(0, start + ABORT_MAX_WAIT - ABORT_STORE_TAIL - performance.now()))));
  const before = (): Promise<unknown> => {
    const stored = steps.beforeDestroy?.();
    return stored === undefined ? Promise.resolve() : Promise.race([Promise.resolve(stored).catch(() => undefined), storesLate]);
  };
  let ready = before();
  // A close still under way: waited for (never past ABORT_CLOSE_WAIT), then what its reports began to store.
  if (closedInTime === 'late' && clientsClosed !== undefined) {
    const closing = clientsClosed;
    ready = ready.then(() => Promise.race([closing, closeLate])).then(() => before());
  }
  const destroyed = ready
    .then(() => {
      clearTimeout(closeTimer);
      clearTimeout(storesTimer);
      // The destroy's bound: ABORT_LINE_WAIT from the start, or ABORT_STORE_TAIL from now when the waits took longer.
      lateAt(Math.max(ABORT_LINE_WAIT, performance.now() - start + ABORT_STORE_TAIL));
      return Promise.all(connectors.map((c) => c.destroy().catch(() => undefined)));
    })
    .then(() => steps.afterDestroy?.())
    .then(() => true as const, () => true as const);
  const done = await Promise.race([destroyed, late]);
  over = true;
  clearTimeout(timer);
  clearTimeout(closeTimer);
  clearTimeout(storesTimer);
  return done;
}

/** Resolves after `n` turns of the event loop (`setImmediate`): the I/O and close callbacks already due run first. */
async function nextTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
