/**
 * One home for joining two abort signals: a caller's own (a client gone, a message's endpoint signal) with a stop's
 * (the gateway's give-up at its deadline, a flow message's book). Not `AbortSignal.any`: on Node 20 it kept an entry
 * on the stop's signal for every join (a leak of ~55 bytes a request for the life of the gateway, ~14 us each), and
 * its signal, while an abort listener was on it, was held by a process-wide set until it aborted (a flow's message,
 * ~2.9 KB, kept for the life of `iso8583 run`: heap exhaustion under load).
 */
import { setMaxListeners } from 'node:events';

/** A joined signal's controller, reached by its stop through a weak reference only. */
type Ref = WeakRef<AbortController>;

/** The joined signals each stop signal still has to abort (those not yet aborted nor collected). */
const live = new WeakMap<AbortSignal, Set<Ref>>();

/**
 * Each joined signal's controller, kept as long as the signal is: a request still waiting on the signal (a sequence
 * that sent without awaiting, its message's own signal gone) holds the signal only, and an `AbortSignal` does not hold
 * its controller, so the stop's abort never reached it once the controller was collected (sr66d #1).
 */
const owners = new WeakMap<AbortSignal, AbortController>();

/** A joined signal collected (nobody holds it: nobody can see it abort) leaves its stop's set. */
const collected = new FinalizationRegistry<{ readonly of: Set<Ref>; readonly ref: Ref }>(({ of, ref }) => of.delete(ref));

/** `stop`'s set of joined signals, made with its one abort listener on the first join. */
function liveOf(stop: AbortSignal): Set<Ref> {
  let refs = live.get(stop);
  if (refs === undefined) {
    const made = new Set<Ref>();
    refs = made;
    live.set(stop, made);
    stop.addEventListener('abort', () => {
      for (const ref of made) ref.deref()?.abort(stop.reason);
      made.clear();
    }, { once: true });
  }
  return refs;
}

/**
 * A signal aborted by whichever of `given` and `stop` aborts first, with its reason (at once when one already has).
 * `given` and whoever holds the returned signal keep it (one listener on `given`, removed as it aborts); `stop` reaches
 * it through a weak reference only, one listener on `stop` for all its joins, so a `stop` that outlives its joins (a
 * process's) keeps nothing of them: a joined signal that never aborted goes when nothing holds it or `given`. Its
 * listener bound lifted (one joined signal serves every request of a connection). Cost a join: one AbortController, a
 * WeakRef, a registry entry and a WeakMap entry, one listener on `given`; a stop's first join adds a Set, a WeakMap
 * entry and the stop's one listener (a flow message's stop is its own: so each message).
 * A caller that joins the same `given` for each request keeps the first join (stop-abort.ts): each join listens to
 * `given` anew.
 */
export function joinedSignal(given: AbortSignal, stop: AbortSignal): AbortSignal {
  const joined = new AbortController();
  owners.set(joined.signal, joined);
  setMaxListeners(0, joined.signal);
  if (given.aborted) joined.abort(given.reason);
  else if (stop.aborted) joined.abort(stop.reason);
  else {
    const of = liveOf(stop);
    const ref = new WeakRef(joined);
    of.add(ref);
    collected.register(joined, { of, ref }, ref);
    given.addEventListener('abort', () => {
      of.delete(ref);
      collected.unregister(ref);
      joined.abort(given.reason);
    }, { once: true });
  }
  return joined.signal;
}
