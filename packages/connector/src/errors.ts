/**
 * Every failure of the connector has a stable `code` listed here (match on `err.code`, never on the text). Errors are
 * {@link Iso8583Error}s from `@iso8583/codec`: they name the option, MTI, STAN or connection concerned and never
 * carry a field value (no card data reaches an error text). `docs/errors.md` has one row per code.
 */
import { getSystemErrorMap } from 'node:util';
import { Iso8583Error } from '@iso8583/codec/error-text';
import type { FieldProblem, Iso8583ErrorContext } from '@iso8583/codec';

/** Connector error codes and what each means (the text that `docs/errors.md` shows). */
export const CONNECTOR_ERROR_CODES = {
  ISO8583_ERR_CONNECTOR_OPTIONS:
    'Invalid connector options (checked against the schema in connector-manifest.json before any socket opens); `problems` names every bad option.',
  ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT: 'The TCP (or TLS) connection to the host was not established within `connectTimeout`.',
  ISO8583_ERR_CONNECTOR_CONNECT_FAILED: 'The connection to the host failed (refused, unreachable, TLS handshake refused).',
  ISO8583_ERR_CONNECTOR_SIGN_ON: 'The host did not answer the sign-on (0800, field 70 = 001) with response code 00; or, without `signOn`, a new connection did not answer the echo test (0800, field 70 = 301) it must answer after an echo went unanswered (the message says which was sent).',
  ISO8583_ERR_CONNECTOR_TIMEOUT:
    'No response matched the request within its timeout. A late response is logged and emitted as `late-response`.',
  ISO8583_ERR_CONNECTOR_CONNECTION_LOST:
    'The connection closed (or its framing broke) while the request was pending; the outcome at the host is unknown.',
  ISO8583_ERR_CONNECTOR_BAD_RESPONSE:
    'The response matched the request by its key (MTI, 11, 41, read from the bytes) but does not decode, or lacks field 39 (response code) in the answer to an authorisation, financial or reversal request or advice; the outcome at the host is unknown (a financial request is reversed, a reversal repeated).',
  ISO8583_ERR_CONNECTOR_ANSWER_UNWRITABLE:
    'An HTTP route had the host\'s answer but could not write it in the form asked (packed for `/raw`, XML, the SocketQueue view; `cause` names the fields): the client is told the outcome is unknown, and the request and answer go once to `routes.onUndelivered` (the gateway reverses an approval).',
  ISO8583_ERR_CONNECTOR_CLOSED: 'The connector is closing or closed (`close()` or `destroy()` was called).',
  ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED: 'No connection became free within `pool.acquireTimeout`.',
  ISO8583_ERR_CONNECTOR_IN_FLIGHT_LIMIT: 'The requests accepted and not yet settled (queued or awaiting a response) reached `maxInFlight`.',
  ISO8583_ERR_CONNECTOR_DUPLICATE_KEY:
    'A request with the same match key (response MTI + the `matchKey` fields) is already in flight on the connection, or a reversible request (0100, 0200 or a repeat 0101, 0201) of a transaction (same STAN and terminal) in flight on any connection of the connector or being reversed (with a PostgreSQL store: on any node), or a reversal sent as a request for a transaction whose reversal is under way.',
  ISO8583_ERR_CONNECTOR_SAF_FULL:
    'The SAF queue holds `saf.maxEntries` entries not yet ended (`safDepth`, with those being stored): an advice (or a reversal) stored with `saf: true` is refused before it is journaled, never sent (the caller still holds it; the gateway answers 503). The connector\'s own reversals are never refused.',
  ISO8583_ERR_CONNECTOR_QUEUE_FULL: 'The per-terminal queue of this field 41 already holds `terminalQueue.maxQueued` requests.',
  ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT: 'The request waited in its per-terminal queue longer than `terminalQueue.timeout`, or its own `timeout` when shorter.',
  ISO8583_ERR_CONNECTOR_DEADLINE:
    'The request\'s overall `deadline` (send options) passed before it was written (while it waited for the journal, a connection or its terminal): it never reached the host.',
  ISO8583_ERR_CONNECTOR_ABORTED:
    'The request\'s `signal` (send options; an inbound sequence passes `context.signal`) was aborted. Before the write the request never reached the host (`sent: \'no\'`); after it, its answer is no longer awaited, as after a timeout (`sent: \'maybe\'`: a reversible request is reversed, a late answer is reported as late). The abort\'s `reason`, an object, is given the same `sent`.',
  ISO8583_ERR_CONNECTOR_JOURNAL:
    'The reversal journal could not be opened at start (the text names its folder, the system\'s reason and the file: `EACCES (permission denied)` for a file left by another user, `EROFS` for a read-only mount), written or read (a full disk, an I/O error), or it stopped (its folder, file or lock removed or replaced while it ran: the file named in the log; or the sync of its folder after a compaction\'s rename failed, with the error\'s code: the rename may not be durable); the request was not sent, or its response could not be recorded and it is being reversed.',
  ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED:
    'Another live process (its pid in the text) holds the lock of the reversal journal folder named in the text, or its lock file is of a format this version does not know (a newer version\'s: the text says so); one process per journal.',
  ISO8583_ERR_CONNECTOR_STORE:
    'The store (the PostgreSQL database of `store`) cannot be reached or refused a statement, or answered later than two thirds of its lease (the node stalled) or after the session of this node\'s owner lock ended, or recorded a SAF attempt after that attempt\'s flight (field `flight`: not sent, tried again), or its schema is newer than this version knows, or its server is read-only (a standby, or read-only transactions: at open, or since; the text says so and names the primary), or did not answer a `close()` within `closeTimeout` (a `destroy()` within 200 ms) and had its connections cut (the statement cut may or may not have committed); the request was not sent (nothing leaves unjournaled), or, when the store failed while recording its response (the host answered, maybe approved), it is being reversed (the reversal sent once the store records it). The text names the cause\'s SQLSTATE, with words for those an operator fixes: 42501 (the role lacks a privilege, with the server\'s words naming the table, sequence or schema), 3D000 (no such database), 28000 and 28P01 (login refused), 57014 (a statement cancelled by the statement_timeout of the role or the database: raise it for the nodes\' role, or set it to 0). The store\'s URL (its password masked) is named only in the error of its open; a later one, which the HTTP routes answer, names it by its field only (`store: cannot add entries (...)`), without its host, port, user or database.',
  ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST:
    'A shared store (PostgreSQL) gave the entry to another node (this node held it past its lease, `safLease`, or recorded its attempt too late: more than two thirds of the lease after asking, as after a stall, or while its owner lock\'s session had ended): this node no longer sends it; the other node reverses (or delivers) it. Also logged (`owner lock lost`) when the session of a node\'s owner lock ends while it runs.',
  ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK:
    'A running node\'s store key is recorded for another bank (PostgreSQL store, `iso8583_saf_upstream`: a start at another `host:port` took the key over, or its row was rewritten), as its lease renewal found (every third of `safLease`): the node no longer claims that key\'s SAF entries and adds none under it (the request is not sent), until the row names its bank again; the entries it holds were added for its bank and are still sent there, and none under that key is handed back (at close or let go: kept under its lease, logged at error with their count). Logged at error once per key (`key`, `recorded`, `address`) and counted in `iso8583_connector_saf_other_bank`. Stopping either bank\'s nodes does not resolve it (once their leases end, the other bank\'s nodes would take their entries): keep them running until their entries are sent, point the row back at the bank whose entries the key holds (`UPDATE iso8583_saf_upstream SET address = ...`), and give the other bank its own store key or database.',
  ISO8583_ERR_CONNECTOR_INPUT:
    'The input of `sendMessage` is not an XML string, JSON text or message object, or a message given to send whose MTI (field `0`) expects no answer (a response such as 0210 or 0410, an acknowledgement: refused before anything is written or held, never a timeout), or, with reversal on, a request of a reversible class in an edition that cannot be reversed (MTI version digit other than 0 and 1: a 2100 or 2200 of ISO 8583:2003, a reserved 3xxx-8xxx or a private 9xxx, no inquiry: sent as 0xxx or 1xxx, or with reversal off); on the HTTP routes also a body refused before it is read as a message (larger than `bodyLimit`: 413; a content type that is not JSON, XML or text, or an object an application\'s own parser made of a media type other than `application/json`, which passed none of the routes\' JSON checks: 415).',
  ISO8583_ERR_CONNECTOR_CROSS_SITE:
    'A browser request from another site (`Sec-Fetch-Site: cross-site` or `same-site`, or an `Origin` that is not the request\'s `Host`, named in `field`) to a route that changes state (`POST /`, `POST /raw`, the console\'s API): refused before its body is read.',
  ISO8583_ERR_CONNECTOR_UNSOLICITED:
    'The `onUnsolicited` handler threw, or returned a reply that cannot be packed or framed; the reply is not sent (reported on the `error` event, `cause` attached).',
  ISO8583_ERR_CONNECTOR_RAW_DIALECTS:
    'An HTTP route `POST /raw` sends through an upstream group whose upstreams speak different dialects (named in the text): the request\'s hex cannot be read before its upstream is known, so it is refused and nothing is sent; send it as JSON or XML (`POST /`), which every upstream packs in its own dialect.',
  ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN:
    'A routing rule of an upstream group sends the request to an upstream that is down (named in the text); it is not sent elsewhere (the gateway answers 91).',
  ISO8583_ERR_CONNECTOR_TRANSACTION_LOG:
    'The transaction log in the folder named in the text could not be opened (at start the text ends with the system\'s reason and the file), read or written (a full disk, an I/O error); a file where its folder should be (at start, or put at its path while it runs) is told as `the transaction log folder is not a folder` with the path and `ENOTDIR` (its `cause`, and the `cause` of the failure line), and the next batch tries again; a record that cannot be written is logged and counted, never the outcome of its request.',
  ISO8583_ERR_CONNECTOR_TRANSACTION_LOG_LOCKED:
    'Another live process (its pid in the text) holds the lock of the transaction log folder named in the text, or its lock file is of a format this version does not know (a newer version\'s: the text says so); one process per folder.',
  ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD:
    'A record given to a transaction log (`record`) is invalid: a key of the record (named in the text, never its value) is missing, of the wrong type, longer than its ISO 8583 field or holds a control character; nothing is stored (the same check in every store). Never the outcome of a request.',
  ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY:
    "A parameter of a transaction query (`stan`, `terminal`, `rrn`, `from`, `to`, `limit`, `before`) or the `before` of `prune` (named in the text) is invalid. A query's `before` is the cursor a full page handed out as `next`: one that is not (malformed, another store's, a time past year 9999 or a tie-break larger than the store gives) is refused here, never as a store error.",
  ISO8583_ERR_CONNECTOR_TRANSACTION_BUSY:
    'A transaction query (`GET /transactions`) was refused because as many queries of the same log as allowed (`MAX_CONCURRENT_TRANSACTION_QUERIES`, 2) were being answered: the queries read the log on the event loop that answers requests, so that more at once would delay them; nothing was read. Ask again when one has answered (the answer carries `Retry-After: 1`).',
  ISO8583_ERR_CONNECTOR_SAF:
    'A request sent with `saf: true` cannot be stored and forwarded: its MTI is not an advice or reversal of the dialect\'s version (0120, 0220, 0420, their repeats, 0400; 1120, 1220, 1420 with a 1993 dialect), it carries sensitive authentication data (field 35, 36, 45, 52 or 55, named), or the connector has no SAF queue (`saf.enabled`). `field` names `saf` or the field.',
} as const;

/**
 * Codes of the reversal journal's and the transaction log's log lines (pino, field `code`): not errors (nothing fails), but what an operator
 * looks for. `docs/errors.md` has one row per code.
 */
export const CONNECTOR_LOG_CODES = {
  ISO8583_WARN_JOURNAL_CORRUPT:
    'warn: lines of the journal file that are not records or whose checksum fails (byte `offsets`) were moved to the `quarantine` file beside it, every intact record recovered; or `done` records name entries the file does not hold (`orphanDone` offsets: their `add` was lost); or the file is empty (`empty`: zero length, though it is always preallocated); or the file ends inside a record (`endsFile`: cut short with the file, a truncation or a copy that stopped, or a crash while it grew: records after it may be lost), or right after one (`endsFile` and `atLine`: a journal file always ends with a blank line); or records damaged in one byte of their checksum only were mended and recovered (`mended` offsets). At `error`: a damaged `add` (`damagedAdd`: its `offset` and what can still be read of it, `id`, `stan`, `terminal`, `rrn`; `more: true` when NUL bytes of a torn sector, or several messages in the damaged piece, may hide further adds: "one or more"): a reversal or advice owed that is not sent (at `warn` with `done: true` when the file also holds a `done` of its id: sent and ended, nothing owed). `path` names the journal file.',
  ISO8583_WARN_JOURNAL_CLOSE_NOT_COMPACTED:
    'info: a clean close of the file journal (`path`) did not make its last compaction, since no spare file large enough was ready (`done`: the entries answered since the last compaction): their records, card data included, stay in the file until the next open compacts them.',
  ISO8583_WARN_JOURNAL_CUT:
    'info: the journal holds records cut by a crash (the last line, with the preallocated blank lines after it, or a line followed by the blank rest of its write when writes overlapped; `path` names the journal file): never durable, so nobody was answered on them; read as not written (a cut `done` leaves its purchase to be reversed); kept in the `quarantine` file.',
  ISO8583_WARN_JOURNAL_STALE_LOCK: 'warn: the journal folder was locked by a process that is gone (`holderPid`; `reason`: `exited`, `reused`, `restarted`, `rebooted`, `left`, `untouched` or `damaged`: docs/connector.md); the lock was taken over.',
  ISO8583_WARN_FOLDER_NOT_PRIVATE:
    'warn: a journal or transaction log folder (`dir`, its `mode` and owner `uid`) has group or other bits and is not made private: it has the sticky bit (`reason` `shared`: a folder shared by design, such as `/tmp`), or this process cannot change its mode (`reason`: the errno code, such as `EPERM`: a volume owned by another user and mounted group-writable, a Kubernetes `fsGroup`). Left as it is; the files in it are 0600; the start goes on. Give the journal a folder of its own, owned by the user the process runs as, mode 0700.',
  ISO8583_WARN_LOCK_TOUCH:
    "warn: a held folder lock (the journal's `reversals.lock` or the transaction log's `transactions.lock`; `dir` names the folder, `lock` the lock file) could not be touched (its modification time set, every 2 s; `reason`: the errno code, such as `EIO` or `EROFS`), or a touch has not ended within 5 s (`reason` `ETIMEDOUT`: a stalled volume, an NFS mount gone away; the hung call keeps its descriptor until it ends, and a close does not wait for it): a start in another container, on another kernel or in another time namespace takes a lock untouched for 10 s for gone and takes it over. Also when no worker thread can be made for the touches (a process under `--permission` without `--allow-worker`, a thread limit; `reason`: its code, such as `ERR_ACCESS_DENIED`): the lock is then touched on the event loop (kept fresh, but a stalled volume stalls the process). Logged once per hold; the touches go on.",
  ISO8583_WARN_TRANSACTION_LOG_CORRUPT:
    "warn: a line of a transaction log file (`file`, byte `offset`; never a value of it) is not a record the log writes: not JSON, or refused by the allow-list every record is written through (a key missing or misspelled, a value of the wrong type, longer than its field or out of range), or its `at` is outside its file's day; it is skipped by every query (the records around it are read). Also a line whose time was damaged into an earlier one of its day (a line before it settled later): it is not taken as the end of a search; and a line whose time was damaged into a later one of its day (it settled later than the line after it, the line before it did not): it is skipped by every query. Also a row of the PostgreSQL log's table (`table`, its `seq`, the key refused as `field`; never a value) that the allow-list refuses: a row the log did not write (restored from elsewhere, written by hand); it is skipped by every query, the page filled from the rows after it.",
  ISO8583_WARN_TRANSACTION_LOG_CUT:
    'info: a transaction log file (`file`) ended with a record cut by a crash; it is skipped, and the next record starts on a line of its own.',
  ISO8583_WARN_TRANSACTION_LOG_STALE_LOCK:
    'warn: the transaction log folder was locked by a process that is gone (`holderPid`; `reason`: `exited`, `reused`, `restarted`, `rebooted`, `left`, `untouched` or `damaged`: docs/connector.md); the lock was taken over.',
  ISO8583_WARN_TRANSACTION_LOG_REOPENED:
    'error: the transaction log\'s folder, its lock or a day file (`reason`) was removed, renamed or replaced while the log was open (`rm -rf` of the folder, a restore over it): the folder was made again if missing, its lock taken again, and the records of a batch written into the lost file were written again into the file now at its name; nothing recorded since is lost. The records the old files held went with them (`dir` names the folder). When the folder cannot be reopened (another live process locked it, a file is at its path), each batch fails (`ISO8583_ERR_CONNECTOR_TRANSACTION_LOG` with `reason`, counted in `stats.failed`) and the next one tries again.',
  ISO8583_WARN_TLS_INSECURE:
    "warn: the host's certificate is not verified (`field`: the setting that turned the check off, `tls.sources.rejectUnauthorized`, default `tls.rejectUnauthorized`; the gateway's line names its flag, `--tls-insecure`, config key `tlsInsecure`): logged at every start, each `connected` line then carries `tlsVerify: false`; `gateway --check-config` and `run --check` print it, and `send --tls-insecure` prints it to stderr (`iso8583: warning: ISO8583_WARN_TLS_INSECURE: ...`), as `load --tls-insecure` does. Any host, or anyone on the path to it, can take the link and read the card data on it: for tests only.",
  ISO8583_WARN_TLS_CERT_VALIDITY:
    "warn: at start, a certificate of the TLS options (`field`: `tls.cert` or `tls.ca` of a connector or an inbound endpoint, or the name `tls.sources` gives it: the gateway's `--tls-cert`, `--tls-ca`) is outside its validity period now; the text gives its date. The start goes on (one may have to start with it to rotate it), but peers refuse the certificate (`CERT_HAS_EXPIRED`, `CERT_NOT_YET_VALID`): every handshake with it fails.",
  ISO8583_WARN_SAF_EXPIRED:
    'warn (error for a reversal: money left unreversed): a SAF entry (`id`, `kind`, `mti`, `stan`, `terminal`) was not answered within `saf.expireAfter` of its journaling: given up (outcome `expired`, event stage `expired`).',
  ISO8583_WARN_SAF_ABANDONED:
    'error: a SAF entry (`id`, `kind`, `mti`, `stan`, `terminal`) was not answered with an ending response code in `saf.maxAttempts` attempts: given up (outcome `abandoned`).',
  ISO8583_WARN_SAF_UNSENDABLE:
    "error: a SAF entry (`id`, `kind`, `mti`, `stan`, `terminal`) was refused by the codec at its attempt (it cannot be packed or framed with the connector's dialect: stored under another dialect, or holding a value the dialect no longer takes; `cause`, the codec's code, and `fields`, the field numbers it names, never a value): every attempt would fail the same way, so it is not tried again by this process (nor by a graceful stop's send of the queue; the refused attempt is not counted toward `maxAttempts`), but it does not end: it stays open in the journal (a start whose dialect packs it sends it) and is counted as pending (`reversalsPending`, `safDepth`; a stop says it is left). A reversal so parked is NOT applied: mend the dialect and restart, or settle it with the host.",
  ISO8583_WARN_SAF_LEASE_SHORT:
    'warn: at the start, the reversals go to a store several nodes share (PostgreSQL) whose lease (`lease`, `--saf-lease`) is shorter than the request timeout (`requestTimeout`, `--request-timeout`; both in the line): a request that waits for a connection longer than two thirds of the lease is refused unsent, and a node that stalls or loses the store that long has its SAF entries taken over by other nodes. The reversal of a request in flight stays with its node until the request\'s answer is due, whatever the lease. A lease at least as long as the request timeout is advised (docs/operations.md).',
  ISO8583_WARN_SAF_TAKEN_OVER:
    'warn: this node took over SAF entries (`entries`: how many) of the store several nodes share (PostgreSQL) from another node: their lease (`--saf-lease`) had ended (that node stalled or lost the store that long) or that node is gone (its database session ended: stopped, killed or crashed). It sends them, each as a repeat (`0401`, `0221`) from its first send here, as every entry read back. Nothing to do; the node that held them may have died (check it).',
  ISO8583_WARN_SAF_LEFT_UNFINISHED:
    'warn: at the start, the journal holds SAF entries (`entries`: how many; reversals, advices) an earlier run left unfinished (not answered: a crash, a stop that did not send them all; with PostgreSQL, the entries of nodes gone that this start took over, also logged as `ISO8583_WARN_SAF_TAKEN_OVER`): they are sent now, each as a repeat (`0401`, `0221`) from its first send. Nothing to do.',
  ISO8583_WARN_SAF_REVERSAL_DECLINED:
    'warn: a reversal of the SAF queue (`id`, `mti`, `stan`, `terminal`) was ended by an answer whose response code (`responseCode`) is neither an approval nor a system error of the dialect (`systemErrorCodes`, which repeat it): it is not repeated; ask the host whether it was applied.',
  ISO8583_WARN_SAF_ADVICE_DECLINED:
    'warn: an advice of the SAF queue (`id`, `mti`, `stan`, `terminal`) was ended by an answer whose response code (`responseCode`) is neither an approval nor a system error of the dialect (`systemErrorCodes`, which repeat it), a decline such as `05`: the host had it and refused it; it is not repeated (the host would answer the same) and ends as delivered (outcome `delivered`, counted in `safDelivered`, event stage `answered` with its `responseCode`). Check with the host what it did with it.',
  ISO8583_WARN_SAF_REFUSED:
    'warn: a SAF entry (`id`, `kind`, `mti`, `stan`, `terminal`) was answered with a response code (`responseCode`) that does not end it (a system error of the dialect, or, with `saf.endCodes` set, a code that is neither named there nor an approval): it is repeated after `saf.retryInterval` (longer after system errors in a row), counted toward `saf.maxAttempts`. At most 5 such lines a second; those left out are counted in the next one (`suppressed`).',
  ISO8583_WARN_SAF_APPROVAL_AFTER_DECLINE:
    'warn: an approval (`mti`, `stan`, `terminal`; `approvalCode`) came after its request was answered in time with a decline or any code but an approval (`responseCode`: the caller was told declined), and fits that request (the same STAN and terminal, acquirer and card agreeing, the same field 7 when both carry one, of its answer class). `reversed: false`: it is NOT reversed (a known limit: such an approval cannot be tied to that request for certain across resends of the same STAN and field 7, nor in dialects with a fresh field 7 on every attempt and no field 90); check with the host. Counted in `approvalsAfterDecline`.',
  ISO8583_WARN_SAF_AGAIN_IN_MEMORY:
    "error: the reversal a late approval calls for (`mti`, `stan`, `terminal`; `cause`: the store's error code) could not be stored as the reversal it follows (answered with a code that undid nothing) was ending: it is sent from memory in place of that one, whose entry stays open in the store until it is answered. Should the process stop before, a restart loses it: the next start repeats only the reversal it follows, which undoes nothing, and the late approval stands. Check with the host that the approval was reversed.",
  ISO8583_WARN_EXCLUSIVE_CONNECTION_CLOSED:
    "warn: in `exclusive` mode (`mode: 'exclusive'`), a request failed after it was written (it timed out, failed with a bad answer, or was given up by the caller; the connection still open): the host may still be on it, so its connection is closed and a new one replaces it rather than carrying the next request behind the unanswered one.",
  ISO8583_WARN_SAF_REVERSED_AGAIN:
    "warn: a late approval of a transaction came after its reversal (`mti`, `stan`) was answered with a code that undid nothing (`responseCode`: `25`, original not found; it overtook its original at the host): the transaction is reversed again, as a repeat (`0401` / `0421`) with the amount that approval moved (`amountKept` when the approval's amount is not the one requested).",
  ISO8583_WARN_SAF_AGAIN_NOT_STORED:
    "error: the reversal a late approval calls for (`mti`, `stan`, `terminal`) could not be stored before the connector stopped (its store was tried again every `saf.retryInterval` until then): NOT reversed. The cardholder stays charged: check with the host and reverse the transaction by hand.",
  ISO8583_WARN_SAF_REPEATS_CAPPED:
    "error: a late approval (`mti`, `stan`, `terminal` of the reversal it calls for; `responseCode`: what the last repeat was answered) came after the reversal of its transaction was repeated `repeats` times already (at most 3 per original in a day, `REPEATS_AGAIN_MAX`), each repeat answered with a code that undid nothing (`25`) and followed by another approval of the same booking: a host chaining approvals and `25`s. NOT reversed again (no further repeat is stored here, so the chain ends on one node); logged once per repeat refused. The count is per process, per node: a restart counts afresh (the repeat a file journal keeps for the next start is not counted either). But a repeat refused with PostgreSQL is recorded on its row (`repeats_capped_at`, SAF schema step 16): no node stores or sends it after, nor this one after a restart (should that record fail: `ISO8583_WARN_SAF_CAP_NOT_RECORDED`), but for one race: a node that stores the same repeat just before the record commits (it read it owed, or looked up a copy of the approval) sends it once, logged there `ISO8583_WARN_SAF_REVERSED_AGAIN`. With the file journal each restart within 10 minutes of a reversal's first `25` sends one repeat of it uncounted (docs/connector.md). Check with the host which approvals stand and reverse by hand what it booked.",
  ISO8583_WARN_SAF_CAP_NOT_RECORDED:
    "warn: the repeat (`mti`, `stan`, `terminal`) the cap on repeats refused (`ISO8583_WARN_SAF_REPEATS_CAPPED`) could not be recorded in the store several nodes share (`cause`: the store's error code): this node refuses it still, but until the record is made another node, or this one after a restart, may store and send it (one repeat past the cap). Logged once per repeat; recorded again each time the repeats owed name it (every minute, up to 22 minutes). Check the store.",
  ISO8583_WARN_SAF_OVERTAKEN_LOCAL:
    "error: a reversal (`mti`, `stan`, `terminal`) was answered with a code that undid nothing (`responseCode`: `25`, original not found; it overtook its original at the host), and that could not be written to the store several nodes share, or was and the reply was lost, tried again every `saf.retryInterval` for 10 minutes from that answer (`ISO8583_WARN_SAF_OVERTAKEN_RETRY`): it is remembered by this node only, as on a single node. A late approval of the original that reaches another node is not reversed, nor one another node had left on the entry. Nor can another node retire it: should the terminal's repeat (`0201`) be approved in time on another node, a late approval of the original that reaches this node is still reversed (`0401`), undoing the approval the terminal holds: check with the host.",
  ISO8583_WARN_SAF_OVERTAKEN_RETRY:
    "warn: a reversal (`mti`, `stan`, `terminal`) answered with a code that undid nothing (`responseCode`: `25`, original not found; it overtook its original at the host) could not be written to the store several nodes share, or was and the reply was lost, or a late approval (`mti`, `stan`, `terminal`) could not be looked up there (`cause`: the store's error code; a line without `mti` is the read of the repeats late approvals call for that a node found and stopped before storing: read again in a minute): the statement, which does the same when run again, is tried again every `saf.retryInterval` until it answers, within 10 minutes of the first such answer (of the approval's arrival); the reversal's entry stays open meanwhile (a stop leaves it in the journal: its next attempt, here or on another node, writes the code). Past that: `ISO8583_WARN_SAF_OVERTAKEN_LOCAL`, `ISO8583_WARN_SAF_LATE_APPROVAL_UNCHECKED`.",
  ISO8583_WARN_SAF_OVERTAKEN_KEPT:
    "warn: at a stop (`close()`), a reversal (`mti`, the repeat's, `stan`, `terminal`) this process remembers answered with a code that undid nothing (`responseCode`: `25`, original not found; it overtook its original at the host) while its original's late approval may still come is kept for the next start, which sends it as a repeat (the host reverses the original if it approved it, or answers `25` again, which ends it): journaled again as a repeat now, or, with the file journal, kept in the journal already (the record of its end), from which the next start stores the repeat (`ISO8583_WARN_SAF_OVERTAKEN_REPEATED`). Counted as left (`safDepth`, `reversalsPending`).",
  ISO8583_WARN_SAF_OVERTAKEN_REPEATED:
    "warn: at a start, a reversal (`mti`, the repeat's, `stan`, `terminal`; `id`, the repeat's entry, `of`, the entry it repeats) that the file journal holds as answered with a code that undid nothing (`responseCode`: `25`, original not found; it overtook its original at the host) while its original's late approval could still come (within 10 minutes of that first answer, at the last record the file holds: a stop of any kind, a crash too) was stored again as a repeat, and is sent: the host reverses the original if it approved it after all, or answers `25` again, which ends it. Once per such end, however many restarts; the repeat keeps the time of the first answer.",
  ISO8583_WARN_SAF_OVERTAKEN_DROPPED:
    "warn: a reversal (`mti`, `stan`, `terminal` as the codec's `summarize` shows them, `transmission`: its field 7) answered with a code that undid nothing (`responseCode`, first at `since`) was forgotten before its original's late approval could come, by the connector's memory (`source` `memory`: past the 1000 it remembers at once, `cause` `OVERTAKEN_MAX`, `max`, or the 8 under one STAN and terminal, `cause` `PER_KEY`, the oldest first; a late approval while running is NOT reversed) or by the file journal (`source` `journal`: past the 1000 records it keeps, the oldest first; the next start may NOT repeat it: not once a compaction wrote the journal without it). The two caps differ and may drop different reversals: one the memory dropped may still be repeated at the next start from the journal, and one the journal dropped may still be reversed while running. Check that transaction with the host. Counted in `safOvertakenDropped` (`dropped`: since the start, both sources, so a reversal both drop counts twice) and `iso8583_connector_saf_overtaken_dropped_total`; at most 1 line a second, the next line logged says how many were not (`suppressed`).",
  ISO8583_WARN_SAF_OVERTAKEN_LOST:
    "error: at a stop (`close()`), a reversal (`mti`, `stan`, `terminal`) answered with a code that undid nothing (`responseCode`) while its original may still be approved could not be journaled again (`cause`: the store's error code; `ISO8583_ERR_CONNECTOR_CLOSED` at a `destroy()` whose store is destroyed, nothing more stored); or, with the file journal, such reversals past the 1000 it keeps were dropped, the oldest first (`cause` `OVERTAKEN_MAX`, `max`, `dropped`; logged once while running, each one then named by `ISO8583_WARN_SAF_OVERTAKEN_DROPPED`; once at a start): should the host approve the original after all, it is NOT reversed. Check with the host.",
  ISO8583_WARN_SAF_LATE_APPROVAL_UNCHECKED:
    "error: a late approval (`mti`, `stan`, `terminal`) that this node remembers no reversal of could not be looked up in the store several nodes share, tried again every `saf.retryInterval` for 10 minutes from its arrival or until the stop (`ISO8583_WARN_SAF_OVERTAKEN_RETRY`): if another node's reversal of it was answered with a code that undid nothing, the approval is NOT reversed. Check with the host.",
  ISO8583_WARN_SAF_LATE_APPROVAL_UNREVERSED:
    "error: a late approval left by a look-up on another node's pending repeat of its transaction (`LATE_APPROVAL`, PostgreSQL store) was on a SAF entry (`id`) that ended otherwise than reversed (declined, not needed, never sent, given up), and no reversal of the same booking (amount, card, acquirer) answered with a code that undid nothing within 10 minutes before the approval came, nor any pending one, was there to take it (or the one there holds another approval of the transaction, which it keeps: a retransmitted request's, left on a repeat of a chain of repeats): the approval is not reversed, unless the transaction's request was approved in time (its code retired). Check with the host.",
  ISO8583_WARN_SAF_LATE_APPROVAL_NOT_PLACED:
    "error: a late approval (`mti`, `stan`, `terminal`) looked up in the PostgreSQL store several nodes share (`LATE_APPROVAL`) found the transaction's first reversal (the chain's root) or the last repeat of its chain of repeats held by another approval of the transaction (a retransmitted request's, other fields 37 and 38; or the host's copy in another shape): that reversal or repeat pending, or answered with a code that undid nothing and its own repeat not stored yet; looked up once more, the same. One approval waits on each, and none replaces another: this one is NOT reversed (nothing is stored for it). Check with the host.",
  ISO8583_WARN_TERMINAL_LOCK_SETTING:
    "warn: a PostgreSQL terminal lock session (`terminalQueue` with `store`) could not take one of its settings: `statement_timeout` (the database's own may end a lock's wait early), `lock_timeout` (a lock is waited for up to the statement timeout), or the server refused `lock_timeout` (a lock is tried again and again within its wait); `cause`: the SQLSTATE or a fixed word, never a value.",
  ISO8583_WARN_TERMINAL_LOCK_LOST:
    'warn: a request\'s PostgreSQL terminal lock (`terminalQueue` with `store`; `terminalLock` its advisory lock key, never the terminal) was lost: the connection holding it broke (`cause`: the SQLSTATE, such as `57P01` for a server shut down or restarted, else the driver\'s cause, such as `connection-terminated`). The request already at the bank keeps its one outcome; until it ends, another node may let a request of the same terminal through; the terminal\'s next request takes a new connection and the lock.',
  ISO8583_WARN_TRANSACTION_LOG_UNAVAILABLE:
    'warn: the transaction log\'s database did not take a batch (`cause`: it is away, or refused the statement); records wait in memory (`buffered`) and the batch is retried (logged once per outage; `info` with `stored` when it is back). A refusal an operator must fix is `ISO8583_WARN_TRANSACTION_LOG_REFUSED` or `ISO8583_WARN_TRANSACTION_LOG_NO_PARTITION` instead.',
  ISO8583_WARN_TRANSACTION_LOG_REFUSED:
    'error: the transaction log\'s database refused a batch for its set-up, not an outage (`cause`: an SQLSTATE of class 42, such as 42501, a privilege the role lacks, or 42P01, a table missing; `reason`: words for it, with the server\'s own naming the object, as `permission denied for sequence iso8583_transactions_seq_seq`): no record is stored until it is fixed (grant the privileges docs/operations.md lists). Records wait in memory as in an outage (`buffered`; past `maxBuffered` the oldest are dropped, `ISO8583_WARN_TRANSACTION_LOG_DROPPED`) and the batch is retried with backoff; logged again every minute while it lasts (`failedBatches`), and at `info` with `stored` once a batch is taken.',
  ISO8583_WARN_TRANSACTION_LOG_NO_PARTITION:
    'error: the transaction log\'s table is partitioned and no partition takes a record\'s time (`cause` 23514, `at`: the time the server names): make the partition (partitions must exist ahead of time). Not a refusal of the data: the batch waits and is retried with backoff, the records behind it too (`buffered`; past `maxBuffered` the oldest are dropped, `ISO8583_WARN_TRANSACTION_LOG_DROPPED`); logged again every minute while it lasts (`failedBatches`), and at `info` with `stored` once a batch is taken.',
  ISO8583_WARN_TRANSACTION_LOG_DROPPED:
    'warn: transaction log records were dropped (`dropped`, total `droppedTotal`): the buffer held `maxBuffered` while the database was away (the oldest go), the database refused a record for its data (`cause`, an SQLSTATE of class 22 or 23: a batch so refused is sent again in halves until only the records refused are dropped, each counted, in one line once the batch\'s records are all stored or dropped; not retried), or `close()` gave up with no `spillDir` to keep them in (records never sent; a batch in doubt is `ISO8583_WARN_TRANSACTION_LOG_IN_DOUBT`); requests are never held or failed for the log.',
  ISO8583_WARN_TRANSACTION_LOG_KEPT:
    'warn: `close()` gave up on the transaction log\'s database (`closeTimeout`) and kept the records it had not stored (`kept`, of which `inDoubt` were of a batch sent whose answer never came: maybe stored) in `file`, in its `spillDir` (whole and synced, mode 0600; the PANs masked); their promises resolve and they are not counted as dropped. `info` at the next start with `stored` and `storedBefore` (records an earlier try had stored: their batch token was there, so none is stored twice) once the file is replayed and removed.',
  ISO8583_WARN_TRANSACTION_LOG_IN_DOUBT:
    'warn: `close()` gave up on the transaction log\'s database while a batch it had sent was unanswered (`inDoubt` records, total `inDoubtTotal`) and had no `spillDir` to keep it in (or could not write there: `ISO8583_ERR_CONNECTOR_TRANSACTION_LOG` says why): the records may be stored or not (query the log to know); their promises reject with `ISO8583_ERR_CONNECTOR_STORE` saying in doubt; not counted as dropped. `info` with `storedAfterClose` (records) and `was` (`inDoubt` or `kept`) when a batch handed over in doubt at close commits afterwards: it is then counted in `stored` and leaves the figure that counted it at close (a spill that holds it stays: its replay finds it stored).',
  ISO8583_WARN_TRANSACTION_LOG_SPILL:
    'warn: a spill file of the transaction log (`file`; or the folder `dir` unreadable) was not replayed at start (`reason`, and `problem`, coded: `database` made for another database or schema, `damaged`, `format` not a spill this version reads (a newer format), `columns` it fills a column the table lacks, or one outside the transaction record, or leaves out one the table requires, `record` a row the transaction allow-list refuses or a torn row (the file is kept whole, nothing of it stored), `refused` the database did not take a batch, `unfinished` a `transaction-spill-*.json.PID.tmp` cut short by a process that stopped while writing it, `writing` a temporary file whose writer, another process closing into the same folder, still runs, `unreadable`); it is left where it is and tried again by the next start (`stored` / `storedBefore`: what of it was replayed before it stopped). A file made for another database is never replayed into this one: start a log on its database with the same `spillDir`, or remove it once you have reconciled.',
  ISO8583_WARN_MONEY_UNANSWERED_DROPPED:
    "warn: the money figures (`stats().amounts`, `iso8583_connector_amount_total`) forgot the oldest unanswered transaction of one STAN and terminal (`stan`, `terminal`, shown as `summarize` shows them: a PAN given as field 41 masked): more than `unansweredPerKey` (256) of its transactions were sent unanswered (a terminal resending one STAN to a host that answers none). Its late answer, should it come, counts as an unknown transaction's. At most one line a second (`suppressed`: the lines left out since). Nothing is sent or reversed for it; check the terminal that reuses the STAN.",
} as const;

/** A stable error code of the connector. */
export type ConnectorErrorCode = keyof typeof CONNECTOR_ERROR_CODES;

declare module '@iso8583/codec' {
  /** The connector's codes are codes of `Iso8583Error`. */
  interface Iso8583ErrorCodes {
    /** {@link CONNECTOR_ERROR_CODES}. */
    connector: ConnectorErrorCode;
  }
}

/**
 * The HTTP status that the Fastify routes answer with for each connector code (the HTTP column of docs/errors.md):
 * 400 the caller's input, 503 the connector cannot take the request now, 504 no answer in time, 502 the host or the
 * connection failed, 501 a route its target cannot serve (`/raw` through upstreams of different dialects). Every code
 * has one (a code added to the table without its status does not compile).
 */
export const CONNECTOR_ERROR_HTTP_STATUS: Readonly<Record<ConnectorErrorCode, number>> = {
  ISO8583_ERR_CONNECTOR_OPTIONS: 400,
  ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT: 502,
  ISO8583_ERR_CONNECTOR_CONNECT_FAILED: 502,
  ISO8583_ERR_CONNECTOR_SIGN_ON: 502,
  ISO8583_ERR_CONNECTOR_TIMEOUT: 504,
  ISO8583_ERR_CONNECTOR_CONNECTION_LOST: 502,
  ISO8583_ERR_CONNECTOR_BAD_RESPONSE: 502,
  ISO8583_ERR_CONNECTOR_ANSWER_UNWRITABLE: 502,
  ISO8583_ERR_CONNECTOR_CLOSED: 503,
  ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED: 503,
  ISO8583_ERR_CONNECTOR_IN_FLIGHT_LIMIT: 503,
  ISO8583_ERR_CONNECTOR_DUPLICATE_KEY: 400,
  ISO8583_ERR_CONNECTOR_SAF_FULL: 503,
  ISO8583_ERR_CONNECTOR_QUEUE_FULL: 503,
  ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT: 504,
  ISO8583_ERR_CONNECTOR_DEADLINE: 503,
  ISO8583_ERR_CONNECTOR_ABORTED: 504,
  ISO8583_ERR_CONNECTOR_JOURNAL: 503,
  ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED: 503,
  ISO8583_ERR_CONNECTOR_STORE: 503,
  ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST: 503,
  ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK: 503,
  ISO8583_ERR_CONNECTOR_INPUT: 400,
  ISO8583_ERR_CONNECTOR_CROSS_SITE: 403,
  ISO8583_ERR_CONNECTOR_UNSOLICITED: 500,
  ISO8583_ERR_CONNECTOR_RAW_DIALECTS: 501,
  ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN: 503,
  ISO8583_ERR_CONNECTOR_TRANSACTION_LOG: 503,
  ISO8583_ERR_CONNECTOR_TRANSACTION_LOG_LOCKED: 503,
  ISO8583_ERR_CONNECTOR_TRANSACTION_RECORD: 400,
  ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY: 400,
  ISO8583_ERR_CONNECTOR_TRANSACTION_BUSY: 503,
  ISO8583_ERR_CONNECTOR_SAF: 400,
};

/** Makes a connector error with context (option, MTI, connection) in the text and never a field value. */
export function connectorError(
  code: ConnectorErrorCode,
  reason: string,
  context: Iso8583ErrorContext = {},
): Iso8583Error {
  let text = reason;
  if (context.field !== undefined) text = `${context.field}: ${text}`;
  return new Iso8583Error(code, text, context);
}

/** Makes the options error that names every bad option at once. */
export function optionsError(problems: FieldProblem[]): Iso8583Error {
  const list = problems.map((p) => `${p.field} (${p.reason})`).join('; ');
  return new Iso8583Error('ISO8583_ERR_CONNECTOR_OPTIONS', `invalid connector options: ${list}`, { problems });
}

// The system's reason for a failed file operation, in the text of a coded error: the code and its words
// (`EACCES (permission denied)`) and the file it was about, so that a store that cannot be opened says why and where
// (a journal file left by a first run as root, a read-only mount). A system error carries a path, never file contents.

/** The system's reason for a failed file operation: `EISDIR (illegal operation on a directory)`; `error` for anything else. */
export function systemReason(err: unknown): string {
  const { code, errno } = (err ?? {}) as { code?: unknown; errno?: unknown };
  const text = typeof errno === 'number' ? getSystemErrorMap().get(errno)?.[1] : undefined;
  const name = typeof code === 'string' ? code : 'error';
  return text === undefined ? name : `${name} (${text})`;
}

/** The platform's errno of the system error named `code` (`ENOSPC`), for an error made here in the system's form. */
export function errnoOf(code: string): number | undefined {
  return [...getSystemErrorMap()].find(([, [name]]) => name === code)?.[0];
}

/**
 * `: EACCES (permission denied): /var/lib/iso8583/journal/reversals.jsonl` for a system error (`errno` and `code`, and
 * its `path` when it has one, `path -> dest` for a rename or a link), to end an error's text with; `''` for any other error (its own text may say more than a
 * store's error should, and its code is kept as the error's `cause`).
 */
export function systemCause(err: unknown): string {
  const { code, errno, path, dest } = (err ?? {}) as { code?: unknown; errno?: unknown; path?: unknown; dest?: unknown };
  if (typeof errno !== 'number' || typeof code !== 'string') return '';
  const files = [path, dest].filter((p): p is string => typeof p === 'string').join(' -> ');
  return `: ${systemReason(err)}${files === '' ? '' : `: ${files}`}`;
}
