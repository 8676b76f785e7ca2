/**
 * `COPY table (columns) FROM STDIN` with node-postgres alone (no other package): a query object the driver runs like any
 * other (its `submit` sends the statement; the server answers CopyInResponse, this sends the rows in CopyData
 * messages of up to 1 MiB and CopyDone; CommandComplete carries the row count; ReadyForQuery ends it). The rows are in COPY's text
 * format ({@link copyText}): one line per row, columns separated by a tab, `\N` for NULL. COPY is the server's cheapest
 * way in for many rows: no statement to plan, no expression per row, rows put into pages together.
 *
 * All or nothing, as an INSERT: a row the server refuses (a data exception, SQLSTATE class 22) fails the statement and
 * nothing of it is stored.
 */
import type pg from 'pg';
import { pgDriver } from './pool.js';

/** What the driver's connection offers a query object that reads COPY data (node-postgres' `Connection`). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** The most bytes sent in one CopyData message (rows may be cut anywhere between messages: the server joins them). */
const CHUNK = 1 << 20;

/** One COPY FROM STDIN as a node-postgres query object (a `Submittable`). */
class CopyFromStdin implements pg.Submittable {
  private settled = false;
  private rows = 0;

  constructor(
    private readonly text: string,
    private readonly data: Buffer,
    /**
     * Called once with the outcome. Named `callback` on purpose: node-postgres wraps a query object's `callback` to
     * clear its `query_timeout` timer (the store's pools set one), so the timer ends when the COPY does.
     */
    private readonly callback: (err: Error | undefined, rows: number) => void,
  ) {}

  submit(connection: pg.Connection): void {
    (connection as unknown as CopyConnection).query(this.text);
  }

  handleCopyInResponse(connection: pg.Connection): void {
    const c = connection as unknown as CopyConnection;
    // CopyData messages of at most CHUNK bytes: the server reads each into memory whole.
    for (let at = 0; at < this.data.length; at += CHUNK) c.sendCopyFromChunk(this.data.subarray(at, at + CHUNK));
    c.endCopyFrom();
  }

  handleCommandComplete(message: { text?: string }): void {
    const m = /^COPY (\d+)$/.exec(message.text ?? '');
    if (m !== null) this.rows = Number(m[1]);
  }

  handleReadyForQuery(): void {
    this.settle(undefined);
  }

  /** An ErrorResponse (the server refused the COPY), or the connection lost or timed out: the driver calls this once. */
  handleError(err: Error): void {
    this.settle(err);
  }

  // The other messages a query object may be handed: a COPY FROM answers none of them.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}

  private settle(err: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.callback(err, this.rows);
  }
}

/**
 * Runs `COPY ... FROM STDIN` (`sql`, text format) on a client of `pool` with `data` as its rows; resolves with the rows
 * stored. A client whose connection failed is discarded rather than returned to the pool.
 */
export async function copyFrom(pool: pg.Pool, sql: string, data: Buffer): Promise<number> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // The pool listens for the errors of idle connections only: this one, checked out, needs its own listener while the
  // COPY runs, or a connection that breaks meanwhile (a database restart) is an unhandled 'error' event that ends the
  // process. The COPY itself fails with the same error (the driver hands it to the query too).
  const lost = (err: Error): void => {
    broken ??= err;
  };
  client.on('error', lost);
  try {
    return await new Promise<number>((resolve, reject) => {
      client.query(
        new CopyFromStdin(sql, data, (err, rows) => {
          if (err === undefined) resolve(rows);
          else {
            // An ErrorResponse (the server refused the COPY) leaves the connection usable; anything else (a socket error
            // such as EPIPE, a read timeout) does not.
            if (!(err instanceof pgDriver().DatabaseError)) broken = err;
            reject(err);
          }
        }),
      );
    });
  } finally {
    client.removeListener('error', lost);
    client.release(broken);
  }
}

/**
 * One column's value in COPY's text format: `\N` for NULL, else the text with its backslashes doubled. The value must
 * hold no tab, newline or carriage return (which COPY would read as the end of a column or a row): the allow-list
 * refuses every control character in a record (transaction-allow-list.ts), so only backslashes are left to escape,
 * found without a regular expression.
 */
export function copyText(value: string | undefined): string {
  if (value === undefined) return '\\N';
  return value.indexOf('\\') === -1 ? value : value.replaceAll('\\', '\\\\');
}
