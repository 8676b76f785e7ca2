import type { TransactionRecord } from './transaction-log.js';
import type { RECORD_TO } from './transaction-record.js';

/** Options of one request. */
export interface SendOptions {
  /**
   * Milliseconds to wait for the response, from 1 to 3600000 (`MAX_REQUEST_TIMEOUT`); anything else is refused with
   * `ISO8583_ERR_CONNECTOR_OPTIONS` naming `timeout`. Default: the connector's `requestTimeout`.
   */
  timeout?: number;
  /**
   * The fixed frame header (e.g. TPDU) for this request when `headerBytes` > 0, else the dialect's message header.
   * Default: the connector's `header` (or the `<header>` of an XML request).
   */
  header?: Uint8Array;
  /** @internal Where the request's transaction record goes instead of the log (an upstream group that may retry). */
  [RECORD_TO]?: (record: TransactionRecord) => void;
}
