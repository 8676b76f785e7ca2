/**
 * `@iso8583/connector`: sends ISO 8583 messages (ISOMessage XML, JSON text or objects) to a bank or switch over pooled
 * TCP/TLS connections and returns the host's response in the same form. Keeps connections, frames every message,
 * matches responses by key, times out, reverses purchases whose outcome is unknown, and counts everything.
 */
export { Connector, createConnector } from './connector.js';
export type { ConnectorAmounts, ConnectorStats, SafReceipt, SafSendOptions, SendOptions } from './connector.js';
export type { EncodedRequest, EncodedResponse } from './relay.js';
export type { SocketQueueFiguresSnapshot } from './socketqueue-figures.js';
export type { ConnectorEvents, DisconnectInfo } from './events.js';
export { UpstreamGroup, createUpstreamGroup } from './upstream-group.js';
export type { TryCounts } from './upstream-group-tries.js';
export type { NamedConnector, UpstreamGroupEvents, UpstreamGroupOptions, UpstreamState, UpstreamStats, UpstreamStrategy } from './upstream-group-options.js';
export { Router, routeProblems } from './routing.js';
export type { RouteRule } from './routing.js';
export { MAX_BODY_DEPTH, MAX_BODY_KEYS, MAX_XML_TAGS, bodyProblem, parseJsonBody } from './body-problem.js';
export type { BodyProblem } from './body-problem.js';
export { failureBody } from './socketqueue-errors.js';
export type { RouteErrorJson } from './socketqueue-errors.js';
export { validateConnectorOptions } from './validate-options.js';
export { MAX_REQUEST_TIMEOUT, MAX_TIMER_DELAY } from './timeouts.js';
export { CLIENT_GONE, clientGone, isClientGone } from './request-abort.js';
export type {
  AutoFillOptions,
  ConnectorOptions,
  ConnectorPoolOptions,
  ConnectorTlsOptions,
  ReconnectOptions,
  ResolvedConnectorOptions,
  ReversalOptions,
  ResolvedSafOptions,
  SafOptions,
  TerminalQueueOptions,
  UnsolicitedHandler,
  UnsolicitedInfo,
} from './options.js';
export { CONNECTOR_ERROR_CODES, CONNECTOR_LOG_CODES, errnoOf, systemReason } from './errors.js';
export { TLS_CERT_VALIDITY, TLS_INSECURE, tlsInsecureWarning, tlsNames, tlsSourceName } from './tls-options.js';
export { hostCertificateDetail } from './tls-host-certificate.js';
export type { TlsSourceNames, TlsSourceOption } from './tls-options.js';
export { hostPort } from './host-port.js';
export { UPSTREAM_FAILURE_CODES, requestSent, upstreamFailureCode } from './request-sent.js';
export type { RequestSent } from './request-sent.js';
export { Backoff, backoffOrderProblem } from './backoff.js';
export type { ConnectorErrorCode } from './errors.js';
export { FileJournal, JOURNAL_FILE } from './journal.js';
export { DEFAULT_JOURNAL_PREALLOCATE, MAX_JOURNAL_PREALLOCATE } from './journal-options.js';
export { journalOpenNeed } from './journal-compaction.js';
export type { JournalOpenNeed } from './journal-compaction.js';
export { NOTHING_OWED } from './journal-read-owed.js';
export { journalReadReason, owedInJournal, owedInJournalSync, owedText, owedUnknownText, unsentRefusal } from './journal-owed.js';
export type { JournalOwed } from './journal-owed.js';
export type { FileJournalOptions, JournalEntry, JournalHalt, JournalOutcome, JournalWriteStats, ReversalJournal, SafEntry, SafEntryKind, SafStore } from './journal.js';
export { LOCK_FILE } from './journal-lock.js';
export { liveLockHolder } from './lock-holder.js';
export type { LockHolder } from './lock-holder.js';
export { defaultJournalDir } from './state-dir.js';
export { REVERSAL_EXCLUDED_FIELDS, REVERSAL_FIELDS, buildReversal, isInquiry, isReversible, isUnreversibleEdition } from './reversal-message.js';
export type { AmountKept } from './reversal-message.js';
export type { ReversalEvent } from './reversal-setup.js';
export { isStoreAndForward } from './saf-message.js';
export type { SafCounts, SafEnd, SafEvent, SafOutcome } from './saf-queue.js';
export { responseMti } from './match-key.js';
export { connectorOptionsSchema, readManifest, operationSchema } from './manifest.js';
export type { ConnectorManifest } from './manifest.js';
export { httpStatusOf, iso8583Connector, untilGone } from './fastify-plugin.js';
export { holdConnector } from './held-connector.js';
export type { HeldConnector } from './held-connector.js';
export { routesPrefix } from './plugin-routes-options.js';
export { crossSiteError, refuseCrossSite } from './cross-site.js';
export { failedAnswerCode, noteFailedAnswer, noteRouteFailure, routeFailure, routeFailureOf } from './route-failure.js';
export type { RouteFailure } from './route-failure.js';
export type { Iso8583ConnectorPluginOptions, Iso8583RoutesOptions, RouteTarget } from './fastify-plugin.js';
export { deliveredAtFinish, unwritableAnswer, watchDelivery } from './undelivered-answer.js';
export { DOUBT_MAX_ANSWERS, DOUBT_MAX_KEPT, DOUBT_WINDOW_BYTES, deliveryInDoubt, keptInDoubt } from './delivery-doubt.js';
export type { UndeliveredAnswer, UndeliveredAnswerHandler, UndeliveredAnswerReason } from './undelivered-answer.js';
export { STOP_SETTLE_WAIT, UNDELIVERED_APPROVALS_METRIC, UNDERWAY_LINES_MAX, httpUndelivered, movedMoney, reversalNames, undeliveredApproval } from './undelivered-approval.js';
export type { ApprovalLoss, LateApprovalParts, UndeliveredApproval, UndeliveredApprovalBook, UndeliveredClientReason, UndeliveredSide } from './undelivered-approval.js';
export type { TransactionLog, TransactionLogCloseOptions, TransactionOutcome, TransactionPage, TransactionQuery, TransactionRecord } from './transaction-log.js';
export { cursorText, olderThan, readPlace, toPage } from './transaction-cursor.js';
export type { CursorPlace } from './transaction-cursor.js';
export { openStore } from './store.js';
export type { Store, StoreSpec } from './store.js';
export { PgJournal } from './pg/journal.js';
export type { PgJournalOptions } from './pg/journal.js';
export type { StrandedFigure } from './pg/stranded.js';
export { PG_DESTROY_GRACE } from './pg/pool.js';
export { PgTerminalLock, TERMINAL_LOCK_NAMESPACE, terminalLockKey } from './pg/terminal-lock.js';
export { OWNER_LOCK_NAMESPACE } from './pg/owner-lock-sql.js';
export type { PgTerminalLockOptions } from './pg/terminal-lock.js';
export { maskUrl } from './pg/pool.js';
export type { TerminalLock } from './terminal-queue.js';
export { FileTransactionLog, TRANSACTION_LOCK_FILE } from './transaction-log-file.js';
export type { FileTransactionLogOptions } from './transaction-log-file.js';
export { DAY_MS, dayFilesIn, dayOf, readAtOpen, transactionFile } from './transaction-log-read.js';
export type { DayFile } from './transaction-log-read.js';
export { DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, checkTransactionQuery, matchesQuery, parseTransactionQuery, parseTime } from './transaction-query.js';
export type { ResolvedTransactionQuery } from './transaction-query.js';
export { TransactionRecorder, defaultNode } from './transaction-record.js';
export type { RecordTo, TransactionObserver } from './transaction-record.js';
export { MAX_CONCURRENT_TRANSACTION_QUERIES, transactionRoute } from './transaction-route.js';
export type { TransactionRouteOptions } from './transaction-route.js';
export { TRANSACTION_OUTCOMES, toTransactionRecord } from './transaction-allow-list.js';
export { MAX_TRANSACTION_BATCH, PgTransactionLog } from './pg/transaction-log.js';
export type { PgTransactionLogOptions, PgTransactionLogStats } from './pg/transaction-log.js';
