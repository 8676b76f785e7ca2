/**
 * The touch of a held folder lock (its modification time set to now, every `LOCK_REFRESH` ms: lock-owner.ts), off the
 * event loop and off the thread pool. A synchronous `futimes` on the event loop blocked every socket of the process
 * while a shared volume (NFS) stalled; an asynchronous one waits behind the thread pool's work (slow DNS lookups in an
 * outage, crypto, O_DSYNC writes on a stalled disk), and a live holder whose pool is busy for the watch would lose its
 * lock. So the touch is a synchronous `futimes` in a worker thread of its own, one per file system (a stalled volume
 * holds its own locks' touches only), made at the first touch and never keeping the process alive. A lock has at most
 * one touch in flight: a touch still running when the next is due (a stalled volume) is not queued behind, the next is
 * skipped. A touch has a bound (folder-lock.ts: `LOCK_STALE / 2`): one still running past it (a stalled volume, an NFS
 * mount gone away) is told as a failed touch is (the lock is at risk: a start elsewhere may take it over once it is
 * untouched for `LOCK_STALE`), and a stop does not wait for it past its bound: the hung call keeps its descriptor,
 * closed only once the call ends ({@link LockTouch.closeWhenIdle}), and its worker never keeps the process alive.
 */
import { futimesSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { FileHandle } from 'node:fs/promises';

/**
 * The worker's code: each message `{ id, fd }` is one `futimes` of `fd` to now, answered `{ id }` or `{ id, code }`.
 * A message's `gate` (tests only: {@link TouchSeam}) is waited on first, while its first element is 0: a touch that hangs.
 * Its modules are loaded with `import()`, which an eval'd worker has both as a script and as a module (a process run
 * with `--input-type=module`, whose workers inherit it, has no `require`); messages wait in the port meanwhile.
 */
const WORKER_CODE = `
Promise.all([import('node:worker_threads'), import('node:fs')]).then(([{ parentPort }, { futimesSync }]) => {
  parentPort.on('message', ({ id, fd, gate }) => {
    try {
      if (gate !== undefined) Atomics.wait(gate, 0, 0);
      const now = new Date();
      futimesSync(fd, now, now);
      parentPort.postMessage({ id });
    } catch (err) {
      parentPort.postMessage({ id, code: (err && err.code) || String(err) });
    }
  });
});
`;

/** A worker that touches files of one file system, and the touches it was handed that have not answered yet. */
interface Toucher {
  worker: Worker;
  /** By touch id: what settles it (`gone`: the worker failed or ended, the touch not made). */
  waiting: Map<number, (code: string | undefined, gone?: boolean) => void>;
  /** The stops waiting for a touch of this worker to end: while there are any, the worker keeps the process alive. */
  stopping: number;
}

/** The workers by file system (the `dev` of the files they touch). */
const touchers = new Map<number, Toucher>();
let lastId = 0;

/**
 * The worker of the file system `dev`, made if there is none (or the last one ended). Throws when no worker can be made
 * (a process under `--permission` without `--allow-worker`: `ERR_ACCESS_DENIED`; a thread or memory limit).
 */
function toucherOf(dev: number): Toucher {
  const found = touchers.get(dev);
  if (found !== undefined) return found;
  const worker = new Worker(WORKER_CODE, { eval: true });
  const made: Toucher = { worker, waiting: new Map(), stopping: 0 };
  const ended = (code: string): void => {
    if (touchers.get(dev) === made) touchers.delete(dev);
    for (const settle of made.waiting.values()) settle(code, true);
    made.waiting.clear();
  };
  worker.on('message', (m: { id: number; code?: string }) => {
    const settle = made.waiting.get(m.id);
    made.waiting.delete(m.id);
    settle?.(m.code);
  });
  worker.on('error', (err: Error) => ended((err as NodeJS.ErrnoException).code ?? err.name));
  worker.on('exit', () => ended('EWORKEREXIT'));
  // After the listeners (adding one refs the worker's port again): it never keeps the process alive.
  worker.unref();
  touchers.set(dev, made);
  return made;
}

/** A lock file's touches (see the module comment). */
export interface LockTouch {
  /**
   * Stops the touches; resolves once the touch in flight, if any, has ended (so its descriptor may be closed) or is
   * past its bound (hung: told, see {@link touchEvery}), whichever comes first. Never waits longer than the bound.
   */
  stop(): Promise<void>;
  /**
   * Closes the touched descriptor once no touch is in flight: at once (resolving when it is closed), or, while a hung
   * touch still owns it (after {@link stop}), when that touch ends, without waiting for it (nothing then keeps the
   * process alive: a call that never ends leaves the descriptor open). A failed close is ignored.
   */
  closeWhenIdle(): Promise<void>;
}

/** How often a lock is touched, and how long one touch may take. */
export interface TouchTimes {
  /** Milliseconds between two touches (folder-lock.ts: `LOCK_REFRESH`). */
  readonly every: number;
  /** Milliseconds a touch may run before it is told hung (folder-lock.ts: `LOCK_STALE / 2`). */
  readonly bound: number;
}

/**
 * What went wrong with a lock's touches, as told to {@link touchEvery}'s `onTrouble`: `failed` (a touch failed: its
 * errno code), `hung` (a touch still running past its bound: `ETIMEDOUT`), `no-worker` (no worker thread could be
 * made: the lock is touched on the event loop; the worker's error code).
 */
export type TouchTrouble = 'failed' | 'hung' | 'no-worker';

/**
 * Internal, for tests only (not exported from the package): `gate`, a shared `Int32Array` every touch waits on in its
 * worker while its first element is 0 (`Atomics.wait`): a touch that hangs, as on a stalled volume, until the test
 * stores 1 there and notifies it. Default: no gate.
 */
export interface TouchSeam {
  readonly gate?: Int32Array;
}

/**
 * Touches the file of `handle` (on the file system `dev`) every `times.every` ms, at most one touch in flight (a due
 * touch is skipped while the last still runs). A failed touch, or one still running `times.bound` ms after it began
 * (hung), is told to `onTrouble` (`failed` with its errno code, `hung` with `ETIMEDOUT`), once: both put the lock at
 * the same risk. When no worker can be made (see `toucherOf`), the touch is a synchronous `futimes` on the event loop
 * instead (the lock is still kept fresh, but a stalled volume then stalls the process, and such a touch has no bound):
 * told to `onTrouble` once too (`no-worker`, the worker's error code), apart from the failures (a later failed touch is
 * still told, once). Never throws from its timers.
 */
export function touchEvery(
  handle: FileHandle,
  dev: number,
  times: TouchTimes,
  onTrouble: (reason: string, trouble: TouchTrouble) => void,
  seam: TouchSeam = {},
): LockTouch {
  let failed = false;
  // The event-loop notice has a flag of its own: a real failure after it (EIO, a stale mount) must still be told.
  let toldHere = false;
  /** The touch in flight: `ended` once answered; `pastBound` once answered or past its bound. */
  let inFlight: { ended: Promise<void>; pastBound: Promise<void> } | undefined;
  let toucher: Toucher | undefined;
  const fail = (reason: string, trouble: 'failed' | 'hung'): void => {
    if (failed) return;
    failed = true;
    onTrouble(reason, trouble);
  };
  const touchHere = (noWorker: string): void => {
    try {
      const now = new Date();
      futimesSync(handle.fd, now, now);
      if (toldHere || failed) return;
      toldHere = true;
      onTrouble(noWorker, 'no-worker');
    } catch (err) {
      fail((err as NodeJS.ErrnoException).code ?? String(err), 'failed');
    }
  };
  // Why no worker can be made (a process whose permissions refuse threads): every later touch is made here, not a
  // worker tried again each tick. A worker that fails after it started is tried again (it may have been transient).
  let noWorker: string | undefined;
  const timer = setInterval(() => {
    if (inFlight !== undefined) return;
    if (noWorker !== undefined) return touchHere(noWorker);
    try {
      toucher = toucherOf(dev);
    } catch (err) {
      noWorker = (err as NodeJS.ErrnoException).code ?? (err as Error).name ?? String(err);
      touchHere(noWorker);
      return;
    }
    const { worker, waiting } = toucher;
    const id = ++lastId;
    let passBound = (): void => undefined;
    const pastBound = new Promise<void>((resolve) => (passBound = resolve));
    // Unreferenced: a hung touch never keeps the process alive (a stop waiting for it refs the worker, see `stop`).
    const deadline = setTimeout(() => {
      fail('ETIMEDOUT', 'hung');
      passBound();
    }, times.bound);
    deadline.unref();
    const ended = new Promise<void>((resolve) => {
      waiting.set(id, (code, gone) => {
        clearTimeout(deadline);
        inFlight = undefined;
        // A worker that failed after it started (ERR_WORKER_INIT_FAILED, out of memory): this touch is made here, as
        // when no worker can be made, so that the lock never goes stale for want of a worker.
        if (gone === true) touchHere(code ?? 'EWORKEREXIT');
        else if (code !== undefined) fail(code, 'failed');
        passBound();
        resolve();
      });
      worker.postMessage({ id, fd: handle.fd, gate: seam.gate });
    });
    inFlight = { ended, pastBound };
  }, times.every);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      const waitFor = toucher;
      const flight = inFlight;
      if (flight === undefined || waitFor === undefined) return;
      // The wait keeps the process alive (an unreferenced worker alone would let the event loop end with this stop
      // still pending), the worker unreferenced again once no stop waits for it: at the latest at the touch's bound.
      if (waitFor.stopping++ === 0) waitFor.worker.ref();
      try {
        await flight.pastBound;
      } finally {
        if (--waitFor.stopping === 0) waitFor.worker.unref();
      }
    },
    async closeWhenIdle() {
      const close = (): Promise<void> => handle.close().catch(() => undefined);
      // A hung touch still owns the descriptor (its number could be another file's once closed): closed after it.
      if (inFlight !== undefined) void inFlight.ended.then(close);
      else await close();
    },
  };
}
