// A `close` while the journal opens (the open runs over many turns of the event loop: the replay of a large file, the
// entries' lines, the compaction's text in chunks): the folder's lock is not released while the open goes on, so no
// other process can open the same journal while this one may still write it (the compaction at open renames its file
// over the journal: two writers would lose or revive entries). The close waits for the open to end, which stops at its
// next safe point (nothing written yet) with a coded error. The second opener is a real child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileJournal } from '../src/index.js';
import { REPLAY_TURN_LINES, nextTurn } from '../src/journal-read.js';
import { startChild } from './child.js';
import type { AfterHook } from './helpers/setup.js';
import { entry, filledJournal } from './helpers/journal-fill.js';

/** The child that opens the folder on command (fixtures/lock-race-child.ts), ready. */
async function opener(t: AfterHook) {
  const child = startChild('lock-race-child', { store: 'journal' });
  t.after(() => child.kill());
  await child.waitLine('ready', 60_000);
  return child;
}

/** Opens `dir` in the child and resolves with its answer (`opened` or `locked <code>`), then closes it there. */
async function openInChild(child: Awaited<ReturnType<typeof opener>>, round: string, dir: string): Promise<string> {
  child.process.stdin?.write(`open ${round} ${dir}\n`);
  const said = (await child.waitLine(`${round} `, 60_000)).slice(round.length + 1);
  child.process.stdin?.write(`close ${round}\n`);
  await child.waitLine(`${round} closed`, 60_000);
  return said;
}

/** The open's outcome, recorded when it settles: `undefined` while it runs. */
function watch(opening: Promise<unknown>): { outcome: 'resolved' | 'rejected' | undefined; error: unknown } {
  const seen: { outcome: 'resolved' | 'rejected' | undefined; error: unknown } = { outcome: undefined, error: undefined };
  opening.then(
    () => (seen.outcome = 'resolved'),
    (err: unknown) => {
      seen.outcome = 'rejected';
      seen.error = err;
    },
  );
  return seen;
}

test('FileJournal – a close while the open replays a large file: the open stops (coded error) before the lock is released; another process then opens every entry', async (t) => {
  const { dir, ids } = await filledJournal(t, 'close-opening', 3 * REPLAY_TURN_LINES + 10);
  const child = await opener(t);
  const j = new FileJournal(dir, { compactInterval: 0 });
  const opening = j.open();
  const seen = watch(opening);
  // Mid-open: its lock taken, entries being loaded (turns of the event loop between chunks).
  while (j.size === 0 && seen.outcome === undefined) await nextTurn();
  assert.equal(seen.outcome, undefined, 'the open still runs');
  await j.close();
  assert.notEqual(seen.outcome, undefined, 'the open ended before close released the lock');
  assert.equal(seen.outcome, 'rejected');
  assert.equal((seen.error as { code?: string }).code, 'ISO8583_ERR_CONNECTOR_JOURNAL');
  assert.match((seen.error as Error).message, /closed while it opened/);
  await assert.rejects(j.add(entry('late')), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.equal(await openInChild(child, 'r1', dir), 'opened');
  const next = new FileJournal(dir, { compactInterval: 0 });
  const read = (await next.open()).map((e) => e.id).sort();
  await next.close();
  assert.deepEqual(read, [...ids].sort(), 'every open entry, once');
});

test('FileJournal – a close while the open takes the folder lock: the lock is not kept by the closed journal', async (t) => {
  const { dir, ids } = await filledJournal(t, 'close-opening', 10);
  const child = await opener(t);
  const j = new FileJournal(dir, { compactInterval: 0 });
  const seen = watch(j.open());
  await j.close();
  assert.notEqual(seen.outcome, undefined, 'the open ended before close resolved');
  assert.equal(seen.outcome, 'rejected');
  assert.equal((seen.error as { code?: string }).code, 'ISO8583_ERR_CONNECTOR_JOURNAL');
  assert.equal(await openInChild(child, 'r1', dir), 'opened', 'the lock is free once close resolved');
  const next = new FileJournal(dir, { compactInterval: 0 });
  assert.equal((await next.open()).length, ids.length);
  await next.close();
});
