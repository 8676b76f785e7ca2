/**
 * A host (a peer) that holds one request unanswered until the test lets it answer, so that the test can break
 * something (a journal's folder, its lock) while that request is at the host.
 */
import type { IsoMessage } from '@iso8583/codec';
import type { Connector, ConnectorOptions } from '../../src/index.js';
import { answer } from '../peer.js';
import type { Peer, Received } from '../peer.js';
import { peerAndConnector } from './setup.js';
import type { AfterHook } from './setup.js';

/** What {@link heldAtHost} starts. */
export interface HeldAtHost {
  /** The peer (the host). */
  peer: Peer;
  /** The connector to it, connected. */
  connector: Connector;
  /** Resolves once a request `holds` picks has reached the host. */
  atHost: Promise<void>;
  /**
   * Answers (00) the request the host holds (the last one `holds` picked); `edit` (default none) changes that answer
   * before it is sent (a field the host leaves out, say).
   */
  answerHeld(edit?: (reply: IsoMessage) => IsoMessage): void;
}

/**
 * A peer that holds every request `holds` picks (the last one held is the one {@link HeldAtHost.answerHeld} answers)
 * and answers (00) each other request `answers` lets through (every one by default), and a connector to it with
 * `options`, connected; taken down after the test.
 */
export async function heldAtHost(
  t: AfterHook,
  holds: (message: IsoMessage) => boolean,
  options: Omit<ConnectorOptions, 'host' | 'port'>,
  answers: (message: IsoMessage) => boolean = () => true,
): Promise<HeldAtHost> {
  let held: Received | undefined;
  let arrived: () => void = () => undefined;
  const atHost = new Promise<void>((resolve) => (arrived = resolve));
  const { peer, connector } = await peerAndConnector(t, (r, p) => {
    if (holds(r.message)) {
      held = r;
      arrived();
    } else if (answers(r.message)) p.send(r.socket, answer(r.message));
  }, options);
  await connector.connect();
  return {
    peer,
    connector,
    atHost,
    answerHeld: (edit = (reply) => reply) => {
      if (held === undefined) throw new Error('the host holds no request');
      peer.send(held.socket, edit(answer(held.message)));
    },
  };
}
