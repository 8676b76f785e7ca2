/**
 * How the connector's tests stand up their parts and take them down again: a temporary folder, a peer (the host), a
 * connector, an upstream group over several peers, a logger whose lines the test reads. Each part but the folder is
 * closed by `t.after` in the test that made it; the folders go when the test file ends.
 */
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { eventWithin, reservePort } from '@iso8583/test-support';
import { createConnector, createUpstreamGroup } from '../../src/index.js';
import type { Connector, ConnectorOptions, SafEvent, UpstreamGroup, UpstreamGroupOptions } from '../../src/index.js';
import { answer, startPeer } from '../peer.js';
import type { Peer, PeerHandler } from '../peer.js';

/** What `t.after` needs of a test context. */
export interface AfterHook {
  after(fn: () => unknown): void;
}

/** The folders {@link tempDir} made in this test file, removed once every test of the file and its hooks ended. */
const folders: string[] = [];

// One hook for the file, after every test's own `t.after` hooks: a connector, group or child process a test closes in
// its hooks may write into its folder (a journal's spare, a compaction) until it is closed, and `t.after` hooks run in
// the order they were added, so a removal per test would race the parts made after the folder.
after(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 10 });
});

/**
 * A new empty folder (`iso8583-<prefix>-…` in the temp folder), removed when the test file ends (after every test's
 * hooks have closed what wrote into it). `t` names the test the folder is for.
 */
export function tempDir(t: AfterHook, prefix: string): string {
  void t;
  const dir = mkdtempSync(join(tmpdir(), `iso8583-${prefix}-`));
  folders.push(dir);
  return dir;
}

/** A peer (a host on 127.0.0.1) with `handler`, closed after the test. Default: it answers everything with 00. */
export async function peerFor(t: AfterHook, handler: PeerHandler = (r, p) => p.send(r.socket, answer(r.message)), options: Parameters<typeof startPeer>[1] = {}): Promise<Peer> {
  const peer = await startPeer(handler, options);
  t.after(() => peer.close());
  return peer;
}

/** A peer that answers everything with 00 (closed by its test). */
export const answering = (): Promise<Peer> => startPeer((r, p) => p.send(r.socket, answer(r.message)));

/** A connector with `options`, destroyed after the test (not connected: the test connects it when it wants). */
export function connectorFor(t: AfterHook, options: ConnectorOptions): Connector {
  const connector = createConnector(options);
  t.after(() => connector.destroy());
  return connector;
}

/**
 * A peer with `handler` (and `peerOptions`) and a connector to it (host and port the peer's, `options` added; not
 * connected yet): after the test the connector is destroyed, then the peer closed.
 */
export async function peerAndConnector(
  t: AfterHook,
  handler: PeerHandler,
  options: Omit<ConnectorOptions, 'host' | 'port'> = {},
  peerOptions: Parameters<typeof startPeer>[1] = {},
): Promise<{ peer: Peer; connector: Connector }> {
  const peer = await startPeer(handler, peerOptions);
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, ...options });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  return { peer, connector };
}

/**
 * A port nothing listens on for the test (a host that is down: every connect refused, until the test itself listens
 * there): reserved (test-support's `reservePort`), so that neither the system (a port-0 listen, the local end of a
 * connection) nor another test process hands it out meanwhile, as it did a port found free by a peer started and
 * closed; released after the test.
 */
export async function downPort(t: AfterHook): Promise<number> {
  const reservation = await reservePort();
  t.after(() => reservation.release());
  return reservation.port;
}

/** An upstream of a group on `peer`, reconnecting quickly. */
export function upstream(name: string, peer: Peer): { name: string; host: string; port: number; reconnect: { initialDelay: number; maxDelay: number } } {
  return { name, host: '127.0.0.1', port: peer.port, reconnect: { initialDelay: 10, maxDelay: 50 } };
}

/**
 * An upstream group with `options`, connected, every upstream up. After the test the group is destroyed, then the
 * peers `peers()` names at that time are closed (a test that restarts a peer hands back the new one).
 */
export async function startGroup(t: AfterHook, options: UpstreamGroupOptions, peers: () => readonly Peer[]): Promise<UpstreamGroup> {
  const group = createUpstreamGroup(options);
  t.after(async () => {
    await group.destroy();
    for (const p of peers()) await p.close();
  });
  await group.connect();
  await Promise.all(options.upstreams.map((u) => whenUp(group, String(u.name))));
  return group;
}

/** Resolves when `name` is up (at once if it is); fails with a message after 20 s. */
export function whenUp(group: UpstreamGroup, name: string): Promise<void> {
  if (group.healthy().includes(name)) return Promise.resolve();
  return groupEvent(group, 'up', name);
}

/** Resolves at the next `kind` event of the upstream `name`; fails with a message after 20 s. */
export function groupEvent(group: UpstreamGroup, kind: 'up' | 'down', name: string): Promise<void> {
  return eventWithin(20_000, `${name} did not go ${kind} within 20 s`, (resolve) => {
    const on = (e: { upstream: string }): void => {
      if (e.upstream !== name) return;
      group.off(kind, on);
      resolve();
    };
    group.on(kind, on);
  });
}

/** A logger whose lines the test reads: one home, test-support (the cli's tests use it too). */
export { capturedLogger } from '@iso8583/test-support';

/** Resolves true when `closing` (a `close()` under way) ends within `deadline` ms, false when it does not (it hangs). */
export async function endsWithin(closing: Promise<void>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([closing.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadline)))]);
  clearTimeout(timer);
  return ended;
}

/**
 * Resolves once `connector` has emitted `count` SAF events of `stage`, with when the first and the last came
 * (`performance.now()`): the span a capped log's windows are counted over.
 */
export function safEventSpan(connector: Connector, stage: SafEvent['stage'], count: number): Promise<{ first: number; last: number }> {
  let seen = 0;
  let first = 0;
  return new Promise((resolve) =>
    connector.on('saf', (e) => {
      if (e.stage !== stage) return;
      const now = performance.now();
      if (seen++ === 0) first = now;
      if (seen === count) resolve({ first, last: now });
    }),
  );
}
