/**
 * A TCP relay to a test PostgreSQL database for the owner lock's tests (pg-owner-lock*.test.ts): it can hide from a
 * node the end of its lock's session, and hold one statement at a gate (before the server sees it, or run but not
 * committed), so that a test orders two statements without timing; and count the statements of a kind.
 */
import assert from 'node:assert/strict';
import { createConnection, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { eventWithin } from '@iso8583/test-support';

/** How long a held statement may take to reach the relay before the wait fails naming it (ms). */
const HELD_WITHIN_MS = 30_000;

/** The protocol's Sync message: ends the implicit transaction of the statement sent before it. */
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);
/** The start of the server's ReadyForQuery message: the statement before it is over (committed or not). */
const READY = Buffer.from([0x5a, 0, 0, 0, 5]);

/** A statement held at the relay (see {@link LockRelay.holdStatement}). */
export interface HeldStatement {
  /** Resolves once the statement reached the relay (and, with `runUncommitted`, the server). */
  readonly held: Promise<void>;
  /** Lets it (and what its connection sent after it) go on; a gate that caught nothing yet is taken down. */
  release(): void;
  /** Cuts its connection instead (the node sees the statement fail; kept from the server, it never ran). */
  cut(): void;
  /**
   * Lets it go on to the server and cuts its connection once the server said it is over (committed), before any of
   * the server's answer reaches the node: the node sees the statement fail, its fate unknown.
   */
  commitThenCut(): void;
  /** Resolves once the server, after the release, said the statement is over (its ReadyForQuery). */
  readonly over: Promise<void>;
}

/** What {@link lockRelay} gives: the URL to connect through, the hold on the lock's session, the statement gate. */
export interface LockRelay {
  url: string;
  /**
   * From now on, nothing of the connection that took the owner lock reaches the node (its end neither); a connection
   * that takes it later (the node taking its lock again) is not hidden.
   */
  holdLockSession(): void;
  /**
   * From now on, nothing of the connection that took the owner lock passes either way, and its end on either side
   * does not reach the other (a network that drops every packet): the server's session lives on, holding the lock,
   * after the node gave it up.
   */
  hangLockSession(): void;
  /** Ends the connection that took the owner lock (the node sees its session end). */
  endLockSession(): void;
  /**
   * Holds the next statement whose text holds `text`: kept from the server until released, or with `runUncommitted`
   * run by the server but its Sync kept back (its implicit transaction stays open, its locks held, until released).
   */
  holdStatement(text: string, options?: { runUncommitted?: boolean }): HeldStatement;
  /**
   * The database away (`true`): every connection through the relay is cut, and new ones are refused (closed at once)
   * until `away(false)`; returns how many were refused so far.
   */
  away(on: boolean): number;
  /** New connections refused (`true`, closed at once) while those open go on: a killed node's statement still running. */
  refuseNew(on: boolean): void;
  /** Counts from now on the statements whose text holds `text`, sent on any connection; returns the count so far. */
  countStatements(text: string): () => number;
  close(): Promise<void>;
}

interface Gate {
  text: string;
  runUncommitted: boolean;
  caught: () => void;
  ended: () => void;
  /** Set once caught: what the held connection sent, waiting for the release. */
  queue?: Buffer[];
  db?: Socket;
  released: boolean;
  /** Set by `commitThenCut`: the server's answer is kept from the node, whose connection is cut once it is over. */
  cutAfter?: boolean;
}

/** A relay to the database of `target` (a connection string of the test cluster). */
export async function lockRelay(target: string): Promise<LockRelay> {
  const to = new URL(target);
  const sockets = new Set<Socket>();
  const locks = new Set<Socket>();
  const hidden = new Set<Socket>(); // the lock's connections whose server side the node no longer sees
  const hung = new Set<Socket>(); // the lock's connections that pass nothing either way, their end neither
  let gate: Gate | undefined;
  const counters: { text: string; seen: number }[] = [];
  const held = (client: Socket): boolean => hidden.has(client);
  let refusing = false;
  let refused = 0;
  const server = createServer((client) => {
    if (refusing) {
      refused++;
      client.destroy();
      return;
    }
    const db = createConnection(Number(to.port), to.hostname);
    sockets.add(client).add(db);
    let mine: Gate | undefined; // the gate holding this connection's statements
    for (const s of [client, db]) s.on('error', () => undefined);
    client.on('close', () => (hung.has(client) ? undefined : db.destroy()));
    db.on('close', () => {
      if (!held(client)) client.destroy();
    });
    client.on('data', (chunk: Buffer) => {
      if (hung.has(client)) return;
      if (chunk.includes('pg_try_advisory_lock')) locks.add(client);
      for (const c of counters) if (chunk.includes(c.text)) c.seen++;
      if (mine !== undefined && !mine.released) {
        mine.queue?.push(chunk);
        return;
      }
      if (gate !== undefined && gate.queue === undefined && chunk.includes(gate.text)) {
        mine = gate;
        gate = undefined;
        mine.db = db;
        if (mine.runUncommitted) {
          assert.ok(chunk.subarray(-SYNC.length).equals(SYNC), 'the statement held ends with its Sync');
          db.write(chunk.subarray(0, -SYNC.length));
          mine.queue = [SYNC];
        } else {
          mine.queue = [chunk];
        }
        mine.caught();
        return;
      }
      db.write(chunk);
    });
    db.on('data', (chunk: Buffer) => {
      if (mine?.cutAfter === true) {
        if (!chunk.includes(READY)) return;
        mine.ended();
        client.destroy();
        return;
      }
      if (mine?.released === true && chunk.includes(READY)) mine.ended();
      if (!held(client)) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  const address = server.address();
  url.port = String(typeof address === 'object' && address !== null ? address.port : 0);
  return {
    url: url.toString(),
    holdLockSession: () => {
      assert.equal(locks.size, 1, 'one connection took an owner lock');
      for (const s of locks) hidden.add(s);
    },
    hangLockSession: () => {
      assert.equal(locks.size, 1, 'one connection took an owner lock');
      for (const s of locks) {
        hidden.add(s);
        hung.add(s);
      }
    },
    endLockSession: () => {
      hidden.clear();
      for (const s of locks) s.destroy();
    },
    holdStatement: (text, options = {}) => {
      let caught: () => void = () => undefined;
      let ended: () => void = () => undefined;
      // A deadline with a message: a statement whose text no longer matches fails the test naming it, not by hanging.
      const heldNow = eventWithin<void>(HELD_WITHIN_MS, `timed out after ${HELD_WITHIN_MS} ms waiting for the statement holding ${JSON.stringify(text)} to reach the relay`, (resolve) => (caught = () => resolve()));
      heldNow.catch(() => undefined); // a test that does not wait for it is not failed by its deadline
      const over = new Promise<void>((resolve) => (ended = resolve));
      const g: Gate = { text, runUncommitted: options.runUncommitted === true, caught, ended, released: false };
      gate = g;
      return {
        held: heldNow,
        over,
        release: () => {
          if (gate === g) gate = undefined; // caught nothing: no statement held from now on
          g.released = true;
          for (const chunk of g.queue ?? []) g.db?.write(chunk);
        },
        cut: () => {
          g.released = true;
          g.db?.destroy();
        },
        commitThenCut: () => {
          g.cutAfter = true;
          g.released = true;
          for (const chunk of g.queue ?? []) g.db?.write(chunk);
        },
      };
    },
    refuseNew: (on) => {
      refusing = on;
    },
    away: (on) => {
      refusing = on;
      if (on) for (const s of sockets) s.destroy();
      return refused;
    },
    countStatements: (text) => {
      const counter = { text, seen: 0 };
      counters.push(counter);
      return () => counter.seen;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
