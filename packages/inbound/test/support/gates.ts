// Gates: tests wait for the event that proves a thing happened, never for a fixed time (deadlines: `within` of
// @iso8583/test-support).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { waitUntil, within } from '@iso8583/test-support';
import type { InboundEndpoint, Sequence } from '../../src/index.js';
import { TestClient, purchase } from './client.js';
import { approveAll } from './endpoint.js';
import type { CapturedLogs } from './logs.js';

/** A promise opened by the test or by the peer: `open()` resolves it (once). */
export interface Gate<T = void> {
  readonly promise: Promise<T>;
  open(value: T): void;
  readonly opened: boolean;
}

export function gate<T = void>(): Gate<T> {
  let resolve!: (value: T) => void;
  let opened = false;
  const promise = new Promise<T>((r) => (resolve = r));
  return {
    promise,
    open(value: T) {
      opened = true;
      resolve(value);
    },
    get opened() {
      return opened;
    },
  };
}

/** A plain TCP socket to the endpoint that sends nothing (and ignores its errors), from `localAddress` if given. */
export function rawConnect(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ...(localAddress === undefined ? {} : { localAddress }) }, () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Settles when the socket has closed (at once if it already has). */
export function closedBy(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.on('error', () => undefined);
    if (socket.closed) resolve();
    else socket.once('close', () => resolve());
  });
}

/**
 * A sequence that approves once `held` opens (a request of terminal `TERMB001` at once), and what went to its
 * `onLateResult` (`STAN:reason`, in order).
 */
export function heldSequence(): { held: Gate; late: string[]; sequence: Sequence; onLateResult: (r: unknown, m: { fields: Record<string, unknown> }, c: unknown, reason: string) => void } {
  const held = gate();
  const late: string[] = [];
  const sequence: Sequence = async (m, c) => {
    if (m.fields['41'] !== 'TERMB001') await held.promise;
    return approveAll(m, c);
  };
  const onLateResult = (_r: unknown, m: { fields: Record<string, unknown> }, _c: unknown, reason: string): void => {
    late.push(`${String(m.fields['11'])}:${reason}`);
  };
  return { held, late, sequence, onLateResult };
}

/** What {@link assertHeldUntilSettled} drives: an endpoint of `maxInFlight: 1` whose late work waits for `held`. */
export interface HeldUntilSettled {
  readonly endpoint: InboundEndpoint;
  readonly port: number;
  /** Its logger's lines (level `debug`: the cap's pause is told there). */
  readonly logs: CapturedLogs;
  /** Holds A's late work (its sequence, or its onError) until opened. */
  readonly held: Gate;
  /** What went to the endpoint's `onLateResult`, in order. */
  readonly late: readonly string[];
}

/**
 * The held-until-settled pattern: A's request (STAN 1) is answered 96 (timed out) while its `work` ('sequence' or
 * 'onError') still runs; B's (terminal `TERMB001`) then pauses at the cap, not started, until `held` opens; B is then
 * answered 00 and A's late result goes to `onLateResult` as `lateAs` (`STAN:reason...`, as the test's handler writes it).
 */
export async function assertHeldUntilSettled(t: { after(fn: () => unknown): void }, held: HeldUntilSettled, work: 'sequence' | 'onError', lateAs: string): Promise<void> {
  const { endpoint, port, logs, late } = held;
  const a = await TestClient.connect(port);
  t.after(() => a.destroy());
  assert.equal((await within(a.request(purchase(1)), 10_000, `no 96 after the ${work}'s timeout`)).fields['39'], '96');
  const b = await TestClient.connect(port);
  t.after(() => b.destroy());
  const bReply = b.request(purchase(2, { 41: 'TERMB001' }));
  await within(logs.waitFor(/"connection":2,.*maxInFlight is reached: reading paused/), 10_000, `B did not pause at the cap while the late ${work} runs`);
  assert.equal(endpoint.stats().messages, 1, `B's request not started while the late ${work} runs`);
  held.held.open();
  assert.equal((await within(bReply, 10_000, `B's request did not start once the late ${work} settled`)).fields['39'], '00');
  await waitUntil(() => late.length === 1, { what: 'the late result handed over' });
  assert.deepEqual(late, [lateAs]);
}
