/**
 * Helpers for the tests of every package: TLS material made by the test itself, the shared vectors, a PostgreSQL
 * server and a relay to it that can freeze (a database that stops answering), a sample transaction record, waiting for a state that has no event (with a deadline that fails naming
 * what was awaited), a port reserved while nothing listens on it, a pid no process has, many `iso8583` command
 * lines run in one process, the reversals a host received (0400, its repeats 0401), a logger whose lines are kept, and a temporary folder removed after the test's other hooks.
 */
export { makeCertificates, makeDatedCertificate } from './certificates.js';
export type { DatedCertificate, TestCertificates } from './certificates.js';
export { repoRoot, vectorPath, readVector, readVectorHex } from './vectors.js';
export { postgresBinDir, startPostgres } from './postgres.js';
export { sharedPostgres } from './postgres-shared.js';
export type { PostgresCluster, StartPostgresOptions } from './postgres.js';
export { freezingRelay } from './pg-freeze.js';
export type { FreezingRelay } from './pg-freeze.js';
export { SAMPLE_RECORD_T0, sampleTransactionRecord } from './transaction-record.js';
export type { SampleTransactionRecord } from './transaction-record.js';
export { eventWithin, waitUntil, within } from './wait.js';
export { countingListener } from './counting-listener.js';
export type { CountingListener } from './counting-listener.js';
export { goneProcessId } from './gone-pid.js';
export { ephemeralPorts, reservablePorts, reservePort } from './port-reservation.js';
export type { PortReservation } from './port-reservation.js';
export type { EventWithinOptions, WaitOptions } from './wait.js';
export { announcedTooLarge, answerOf, httpCall } from './http-call.js';
export type { HttpAnswer } from './http-call.js';
export { midRequest, rawHttp, readUntil } from './raw-http.js';
export type { RawHttp } from './raw-http.js';
export { propertyRuns } from './fuzz.js';
export { tmpfsFolder } from './tmpfs.js';
export { tempFolder } from './temp-folder.js';
export type { AfterHooks } from './temp-folder.js';
export type { TmpfsTest } from './tmpfs.js';
export { MAIN_BATCH_CHILD, runMainBatch } from './main-batch.js';
export type { BatchAs, BatchLine, BatchOutcome, BatchResult, BatchWireLine } from './main-batch.js';
export { assertLinearSteps } from './linear-cost.js';
export { assertSameChecks } from './same-checks.js';
export { isReversal, isReversalOf, reversalsOf } from './reversals.js';
export { capturedLogger } from './logger.js';
export type { ValueCheck } from './same-checks.js';
