/**
 * A TCP relay in front of a test PostgreSQL server that can freeze: a database that stops answering without closing
 * anything (a host hung, a network that drops every packet). Once frozen, every connection through it stops
 * forwarding both ways and stays open, and new connections are accepted and never forwarded (their start-up never
 * ends). It can freeze at once, or on the first statement whose text holds a given string (that statement never
 * reaches the server: its fate is "not committed", and the client cannot tell). `thaw` lets new connections through
 * again (the frozen ones stay silent, as dead connections do), and `open` counts the client sockets it still holds:
 * 0 once the client has closed every connection it made.
 */
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/** The relay: its connection string, and the switches of the test. */
export interface FreezingRelay {
  /** The connection string of the database through the relay. */
  readonly url: string;
  /** Resolves once the relay froze (at once, or on the statement awaited). */
  readonly frozen: Promise<void>;
  /** Freezes now. */
  freeze(): void;
  /** Freezes on the first statement (client to server) whose bytes hold `text`; that statement is dropped. */
  freezeOn(text: string): void;
  /** New connections are forwarded again; those open while frozen stay silent. */
  thaw(): void;
  /** Client sockets still open through the relay (the client's connections not closed yet). */
  open(): number;
  close(): Promise<void>;
}

interface Link {
  silent: boolean;
  client: Socket;
  upstream: Socket;
}

/** A relay to the database of `target` (a connection string of the test cluster). */
export async function freezingRelay(target: string): Promise<FreezingRelay> {
  const to = new URL(target);
  const links = new Set<Link>();
  let frozen = false;
  let trigger: string | undefined;
  let markFrozen: () => void = () => undefined;
  const froze = new Promise<void>((resolve) => (markFrozen = resolve));
  const freeze = (): void => {
    frozen = true;
    trigger = undefined;
    for (const link of links) link.silent = true;
    markFrozen();
  };
  const server = createServer((client) => {
    const upstream = connect(Number(to.port), to.hostname);
    const link: Link = { silent: frozen, client, upstream };
    links.add(link);
    client.on('data', (d: Buffer) => {
      if (!link.silent && trigger !== undefined && d.includes(trigger)) freeze();
      if (!link.silent) upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => (link.silent ? undefined : client.write(d)));
    client.on('close', () => {
      links.delete(link);
      upstream.destroy();
    });
    // The database's side closing says nothing to a client of a frozen link (a dead host closes nothing).
    upstream.on('close', () => (link.silent ? undefined : client.destroy()));
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    frozen: froze,
    freeze,
    freezeOn: (text: string) => {
      trigger = text;
    },
    thaw: () => {
      frozen = false;
    },
    open: () => links.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const link of links) {
          link.client.destroy();
          link.upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
