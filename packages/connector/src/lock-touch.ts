/**
 * The touch of a held folder lock (its modification time set to now, every `LOCK_REFRESH` ms: lock-owner.ts), off the
 * event loop and off the thread pool. A synchronous `futimes` on the event loop blocked every socket of the process
 * while a shared volume (NFS) stalled; an asynchronous one waits behind the thread pool's work (slow DNS lookups in an
 * outage, crypto, O_DSYNC writes on a stalled disk), and a live holder whose pool is busy for the watch would lose its
 * lock. So the touch is a synchronous `futimes` in a worker thread of its own, one per file system (a stalled volume
 * holds its own locks' touches only), made at the first touch and never keeping the process alive. A lock has at most
 * one touch in flight: a touch still running when the next is due (a stalled volume) is not queued behind, the next is
 * skipped.
 */
import { futimesSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { FileHandle } from 'node:fs/promises';

/** The worker's code: each message `{ id, fd }` is one `futimes` of `fd` to now, answered `{ id }` or `{ id, code }`. */
const WORKER_CODE = `
const { parentPort } = require('node:worker_threads');
const { futimesSync } = require('node:fs');
parentPort.on('message', ({ id, fd }) => {
  try {
    const now = new Date();
    futimesSync(fd, now, now);
    parentPort.postMessage({ id });
  } catch (err) {
    parentPort.postMessage({ id, code: (err && err.code) || String(err) });
  }
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
  /** Stops the touches; resolves once the touch in flight, if any, has ended (so its descriptor may be closed). */
  stop(): Promise<void>;
}

/**
 * Touches the file of `handle` (on the file system `dev`) every `every` ms, at most one touch in flight (a due touch is
 * skipped while the last still runs). A failed touch is told to `onFail` (its errno code, `fresh` false), once. When no
 * worker can be made (see `toucherOf`), the touch is a synchronous `futimes` on the event loop instead (the lock is
 * still kept fresh, but a stalled volume then stalls the process): told to `onFail` once too, with `fresh` true (the
 * worker's error code), apart from the failures (a later failed touch is still told, once). Never throws from its timer.
 */
export function touchEvery(
  handle: FileHandle,
  dev: number,
  every: number,
  onFail: (reason: string, fresh: boolean) => void,
): LockTouch {
  let failed = false;
  // The event-loop notice has a flag of its own: a real failure after it (EIO, a stale mount) must still be told.
  let toldHere = false;
  let inFlight: Promise<void> | undefined;
  let toucher: Toucher | undefined;
  const fail = (reason: string, fresh: boolean): void => {
    if (failed) return;
    failed = true;
    onFail(reason, fresh);
  };
  const touchHere = (noWorker: string): void => {
    try {
      const now = new Date();
      futimesSync(handle.fd, now, now);
      if (toldHere || failed) return;
      toldHere = true;
      onFail(noWorker, true);
    } catch (err) {
      fail((err as NodeJS.ErrnoException).code ?? String(err), false);
    }
  };
  const timer = setInterval(() => {
    if (inFlight !== undefined) return;
    try {
      toucher = toucherOf(dev);
    } catch (err) {
      touchHere((err as NodeJS.ErrnoException).code ?? (err as Error).name ?? String(err));
      return;
    }
    const { worker, waiting } = toucher;
    const id = ++lastId;
    inFlight = new Promise<void>((resolve) => {
      waiting.set(id, (code, gone) => {
        inFlight = undefined;
        // A worker that failed after it started (ERR_WORKER_INIT_FAILED, out of memory): this touch is made here, as
        // when no worker can be made, so that the lock never goes stale for want of a worker.
        if (gone === true) touchHere(code ?? 'EWORKEREXIT');
        else if (code !== undefined) fail(code, false);
        resolve();
      });
      worker.postMessage({ id, fd: handle.fd });
    });
  }, every);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      const waitFor = toucher;
      if (inFlight === undefined || waitFor === undefined) return;
      // The wait for the touch's answer keeps the process alive (an unreferenced worker alone would let the event loop
      // end with this stop still pending), the worker unreferenced again once no stop waits for it.
      if (waitFor.stopping++ === 0) waitFor.worker.ref();
      try {
        await inFlight;
      } finally {
        if (--waitFor.stopping === 0) waitFor.worker.unref();
      }
    },
  };
}
