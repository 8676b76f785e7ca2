/**
 * The TCP keepalive a lock's session asks of the server (the terminal lock's sessions, terminal-lock.ts; the owner
 * lock's, owner-lock.ts): a node that loses power or its network sends no FIN, and the server would run its session,
 * its locks held, until the system's TCP gives up (over 2 hours idle; about 15 minutes of retransmissions,
 * `tcp_retries2`, with data unacknowledged). A server that refuses a setting (a PG-compatible one, a proxy; PostgreSQL
 * before 12 for `tcp_user_timeout`) keeps its own: said once per setting, at debug, never fatal.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { storeCause } from './pool.js';

/**
 * The server's TCP keepalive on each connection of the lock's pool (`tcp_keepalives_idle`, `tcp_keepalives_interval`,
 * `tcp_keepalives_count`, in seconds): a node that loses power or its network sends no FIN, and holds the locks of
 * its terminals in flight until the server ends its sessions. The system's default (2 hours of silence, then 9 probes
 * 75 s apart) made those terminals wait for hours on every other node (each request `ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT`);
 * with these, the server ends such a session about 60 s after the node went silent (30 s, then 3 probes 10 s apart),
 * on a direct TCP connection idle then (see {@link SESSION_USER_TIMEOUT} for one with data in flight). A live node's
 * kernel answers the probes whatever its request is doing: its locks are never ended by them. Longer than the default
 * request timeout (30 s), so that a node cut off from the database alone (still at the bank) is mostly done with its
 * request by the time its lock goes (the rule then holds within that node only, as after any break of the lock's
 * connection).
 */
export const TERMINAL_LOCK_KEEPALIVE = { idle: 30, interval: 10, count: 3 } as const;

/**
 * The server's `tcp_user_timeout` on a lock's session (ms, PostgreSQL 12 and later): how long data the server sent may
 * stay unacknowledged before it drops the connection. Keepalive probes are sent only on an idle connection: one with
 * data in flight to a node gone silent (an answer, a notice) is retransmitted instead, for about 15 minutes by the
 * system's default (`tcp_retries2`); with this, about 60 s, as for an idle one.
 */
export const SESSION_USER_TIMEOUT = 60_000;

/** The settings asked, each a statement of its own (one refused does not roll the others back), and their names. */
const SETTINGS = [
  {
    name: 'TCP keepalive',
    text: `SET tcp_keepalives_idle = ${TERMINAL_LOCK_KEEPALIVE.idle}; SET tcp_keepalives_interval = ${TERMINAL_LOCK_KEEPALIVE.interval}; SET tcp_keepalives_count = ${TERMINAL_LOCK_KEEPALIVE.count}`,
  },
  { name: 'TCP user timeout', text: `SET tcp_user_timeout = ${SESSION_USER_TIMEOUT}` },
] as const;

/** Asks each session of one lock for the keepalive; says a refusal once per setting. */
export class SessionKeepalive {
  /** The settings the server refused once (said then, at debug, not again). */
  private readonly refused = new Set<string>();

  /** `what`: the sessions, as the debug line names them ("the owner lock's session"). */
  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  /**
   * Asks the server of `client` for the settings, each bounded by `bound` ms (default: the client's own bound). A
   * refusal by the server is said once per setting, at debug; any other failure (the connection broke or went
   * silent) rejects.
   */
  async ask(client: pg.ClientBase, bound?: number): Promise<void> {
    await Promise.all(
      SETTINGS.map(async ({ name, text }) => {
        try {
          const query: pg.QueryConfig & { query_timeout?: number } = bound === undefined ? { text } : { text, query_timeout: bound };
          await (bound === undefined ? client.query(text) : client.query(query));
        } catch (err) {
          if (typeof (err as { severity?: unknown }).severity !== 'string') throw err; // not the server's refusal
          if (this.refused.has(name)) return;
          this.refused.add(name);
          this.logger.debug({ cause: storeCause(err) }, `${name} not set on ${this.what}: the server refused it`);
        }
      }),
    );
  }
}
