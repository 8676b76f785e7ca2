/**
 * A TCP proxy in front of a test PostgreSQL server that cuts the wire at chosen moments of a batch of the transaction
 * log (its answer dropped after the commit, its statement stranded, its last message held, every connection cut, new
 * connections refused as by a server starting up): shared by the tests of a batch in doubt.
 */
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/** The protocol's CopyDone message: the client has sent every row of the COPY. */
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]);

/** The ErrorResponse of a server that is starting up (FATAL, SQLSTATE 57P03): a connection refused before any statement. */
const STARTING_UP = ((): Buffer => {
  const fields = Buffer.from('SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0', 'latin1');
  const head = Buffer.alloc(5);
  head.write('E', 0, 'latin1');
  head.writeUInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
})();

/**
 * A TCP proxy to the database that, once armed, lets the client's next COPY through whole and then drops every answer
 * of that connection: the server commits the batch, the client never hears of it. Once told to strand, it lets the
 * next COPY statement through and then nothing of that connection either way: the server holds the batch's
 * transaction open, waiting for its rows. Once told to hold, it lets the next COPY through but for its last message,
 * until released. `cut` breaks every connection it holds (a database restart, a network
 * reset); while told to refuse, it refuses new connections as a server starting up does.
 */
export async function answerDroppingProxy(target: number): Promise<{ port: number; arm(): void; strand(): void; hold(): { release(): Promise<string> }; cut(): void; refuse(on: boolean): void; close(): Promise<void> }> {
  let armed = false;
  let stranding = false;
  let refusing = false;
  /** Told to hold: the next COPY's last message (CopyDone) is kept back, with the server it would have gone to. */
  let holding: ((upstream: Socket, done: Buffer) => void) | undefined;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (refusing) {
      // A server restarting: every connection is refused at its start (SQLSTATE 57P03), before any statement.
      client.on('error', () => undefined);
      client.once('data', () => client.end(STARTING_UP));
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    let mute = false;
    let cut = false;
    sockets.add(client).add(upstream);
    client.on('data', (d: Buffer) => {
      if (cut) return;
      if (stranding && d.includes('COPY iso8583_transactions')) {
        upstream.write(d);
        // The statement reaches the server; nothing more goes either way: the server waits for rows never sent.
        stranding = false;
        cut = true;
        mute = true;
        return;
      }
      const at = d.indexOf(COPY_DONE);
      if (holding !== undefined && at >= 0) {
        // The rows reach the server, not their end: the server holds the batch's transaction open, as if still committing.
        upstream.write(d.subarray(0, at));
        holding(upstream, d.subarray(at));
        holding = undefined;
        cut = true;
        mute = true;
        return;
      }
      upstream.write(d);
      if (armed && at >= 0) {
        armed = false;
        mute = true;
      }
    });
    upstream.on('data', (d) => (mute ? undefined : client.write(d)));
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      // A stranded connection stays open on the server's side (a network cut: the client's close never arrives).
      s.on('close', () => [client, upstream].forEach((o) => (cut && o === upstream ? undefined : o.destroy())));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    arm: () => {
      armed = true;
    },
    strand: () => {
      stranding = true;
    },
    hold: () => {
      const held = new Promise<{ upstream: Socket; done: Buffer }>((resolve) => {
        holding = (upstream, done) => resolve({ upstream, done });
      });
      return {
        // Sends the held CopyDone: 'ended' when the server had ended that session, 'answered' when it answers the COPY.
        release: async () => {
          const { upstream, done } = await held;
          if (upstream.destroyed) return 'ended';
          return new Promise<string>((resolve) => {
            upstream.once('data', () => resolve('answered'));
            upstream.once('close', () => resolve('ended'));
            upstream.write(done);
          });
        },
      };
    },
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    refuse: (on: boolean) => {
      refusing = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
