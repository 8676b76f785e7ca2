/**
 * Watching a connector's reversals and SAF entries in its tests: every `reversal` event in order, and the first one at
 * a stage (`answered`, `abandoned`, ...) as a promise; the first `saf` event at a stage; the reversal journal's lines
 * as written; the completion advice the SAF tests store; a terminal's own reversal, what a host received as lines, a
 * peer that holds a purchase until the test answers it, and a host that holds one until the test books it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { buildReversal } from '../../src/index.js';
import type { Connector, ReversalEvent, SafEvent } from '../../src/index.js';
import { answer, purchase } from '../peer.js';
import type { Peer, PeerHandler, Received } from '../peer.js';
import { peerAndConnector, peerFor } from './setup.js';
import type { AfterHook } from './setup.js';

/** The reversal events seen so far, and the first at the stage awaited. */
export interface ReversalWatch {
  /** Every `reversal` event, in order. */
  events: ReversalEvent[];
  /** Resolves with the first event at the stage awaited. */
  reached: Promise<ReversalEvent>;
}

/** Watches `connector`'s reversals from now; `reached` is the first event at `stage` (default `answered`). */
export function watchReversals(connector: Connector, stage: ReversalEvent['stage'] = 'answered'): ReversalWatch {
  const events: ReversalEvent[] = [];
  const reached = new Promise<ReversalEvent>((resolve) =>
    connector.on('reversal', (e: ReversalEvent) => {
      events.push(e);
      if (e.stage === stage) resolve(e);
    }),
  );
  return { events, reached };
}

/** The reversals `watch` saw answered, in order, each as `MTI response-code` (`0400 25`, `0401 00`). */
export function answeredLines(watch: ReversalWatch): string[] {
  return watch.events.filter((e) => e.stage === 'answered').map((e) => `${e.mti} ${String(e.responseCode)}`);
}

/** A line of the file journal: what was done (`add`, `attempt`, `done`) to which entry. */
export interface JournalLine {
  op: string;
  id: string;
  kind?: string;
  outcome?: string;
  attempt?: number;
}

/** The lines of the file journal in `dir` (`reversals.jsonl`), parsed. */
export function journalLines(dir: string): JournalLine[] {
  return readFileSync(join(dir, 'reversals.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as JournalLine);
}

/** A completion advice (0220 by default): what a terminal reports after the fact; no sensitive authentication data. Test card number. */
export function advice(stan: string, mti = '0220'): IsoMessage {
  return { '0': mti, '2': '4111111111111111', '3': '000000', '4': '000000002500', '7': '1121103000', '11': stan, '41': 'TERM0001', '49': '840' };
}

/**
 * Resolves with the first `saf` event of `stage` (for `id`, when given); fails with a message after `deadline` ms
 * (`eventWithin`: a wait no test awaits any more does not hold the file's end back until it runs out).
 */
export function safEvent(connector: Connector, stage: SafEvent['stage'], id?: string, deadline = 10_000): Promise<SafEvent> {
  return eventWithin(deadline, `no saf event ${stage}${id === undefined ? '' : ` for ${id}`} within ${deadline} ms`, (resolve) => {
    connector.on('saf', (e) => {
      if (e.stage === stage && (id === undefined || e.id === id)) resolve(e);
    });
  });
}

/** A terminal's own reversal (0400, iso87ascii) of the purchase of STAN `stan`, sent under its own STAN `own`. */
export function ownReversal(stan: string, own: string): IsoMessage {
  return { ...buildReversal(purchase(stan), '0400', getDialect('iso87ascii')), '11': own };
}

/** What a host received, as `MTI STAN` lines, in order. */
export function receivedLines(received: readonly Received[]): string[] {
  return received.map((r) => `${String(r.message['0'])} ${String(r.message['11'])}`);
}

/** Answers a request at once, with 00 (and the request's fields). */
const answerAtOnce: PeerHandler = (r, p) => p.send(r.socket, answer(r.message));

/**
 * A peer's handler that holds the purchase (0200) of STAN `held` (none when `undefined`) and hands the rest to `rest`;
 * `arrived` resolves with the held purchase as the peer received it (the test answers it, or never).
 */
function holding(held: string | undefined, rest: PeerHandler): { handler: PeerHandler; arrived: Promise<Received> } {
  let heldRequest: (r: Received) => void = () => undefined;
  const arrived = new Promise<Received>((resolve) => (heldRequest = resolve));
  const handler: PeerHandler = (r, p) => {
    if (held !== undefined && r.message['0'] === '0200' && r.message['11'] === held) heldRequest(r);
    else rest(r, p);
  };
  return { handler, arrived };
}

/**
 * A peer (closed after the test) that holds the purchase of STAN `held` until the test answers it (none held when
 * `undefined`) and answers the rest with `rest` (default: at once, 00). `arrived` resolves with the held purchase.
 */
export async function holdingPeer(t: AfterHook, held: string | undefined, rest: PeerHandler = answerAtOnce): Promise<{ peer: Peer; arrived: Promise<Received> }> {
  const { handler, arrived } = holding(held, rest);
  return { peer: await peerFor(t, handler), arrived };
}

/**
 * A host that holds every purchase of STAN `held` until the test books it (`book`, answering it with `rc`, default
 * `00`) and answers the rest at once: a reversal naming that purchase (field 90) with 25 while it is not booked with
 * `00`, then with 00. `arrived` resolves with the held purchase as the host received it.
 */
export async function holdingHost(t: TestContext, held: string, options: Parameters<typeof peerAndConnector>[2]) {
  let booked = false;
  const { handler, arrived } = holding(held, (r, p) => {
    const mti = String(r.message['0']);
    if (mti.startsWith('04') && String(r.message['90']).slice(4, 10) === held) p.send(r.socket, answer(r.message, { '39': booked ? '00' : '25' }));
    else p.send(r.socket, answer(r.message));
  });
  const { peer, connector } = await peerAndConnector(t, handler, options);
  const book = async (rc = '00'): Promise<void> => {
    const r = await arrived;
    booked = rc === '00';
    peer.send(r.socket, answer(r.message, { '39': rc }));
  };
  return { peer, connector, arrived, book };
}
