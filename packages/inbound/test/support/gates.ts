// Gates: tests wait for the event that proves a thing happened, never for a fixed time (deadlines: `within` of
// @iso8583/test-support).
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Sequence } from '../../src/index.js';
import { approveAll } from './endpoint.js';

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
