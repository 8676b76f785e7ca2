/**
 * A sample transaction record, as the connector records a purchase (the PAN already masked, a test card's): the one
 * record maker of the transaction-log contract tests and of the transaction-log benches. Typed here without the
 * connector (which depends on this package for its tests), it is assignable to the connector's `TransactionRecord`.
 */

/** The record `sampleTransactionRecord` makes: every field of a `TransactionRecord` of an approved purchase. */
export interface SampleTransactionRecord {
  at: number;
  node: string;
  upstream: string;
  mti: string;
  responseMti: string;
  pan: string;
  processingCode: string;
  amount: string;
  currency: string;
  transmissionTime: string;
  stan: string;
  localTime: string;
  localDate: string;
  rrn: string;
  authCode: string;
  responseCode: string;
  terminal: string;
  merchant: string;
  latencyMs: number;
  outcome: 'approved';
}

/** The time of record 0: 2026-11-21 10:30:00 UTC; record `n` is `n` seconds later. */
export const SAMPLE_RECORD_T0 = Date.UTC(2026, 10, 21, 10, 30, 0);

/**
 * Record number `n` (a whole number from 0): at `SAMPLE_RECORD_T0 + n` seconds, node `node-a`, upstream `bank`, a 0200
 * of 10.00 (840) answered 0210 `00` for `411111******1111`; STAN `n` modulo 1,000,000 on six digits, RRN `n` on twelve,
 * terminal `TERM000` + `n` modulo 3, latency 12 ms. `overrides` replace (or add) fields, with their own types.
 */
export function sampleTransactionRecord<O extends object = Record<never, never>>(
  n: number,
  overrides?: O,
): Omit<SampleTransactionRecord, keyof O> & O {
  const record: SampleTransactionRecord = {
    at: SAMPLE_RECORD_T0 + n * 1000,
    node: 'node-a',
    upstream: 'bank',
    mti: '0200',
    responseMti: '0210',
    pan: '411111******1111',
    processingCode: '000000',
    amount: '000000001000',
    currency: '840',
    transmissionTime: '1121103000',
    stan: String(n % 1_000_000).padStart(6, '0'),
    localTime: '103000',
    localDate: '1121',
    rrn: String(n).padStart(12, '0'),
    authCode: 'A1B2C3',
    responseCode: '00',
    terminal: `TERM${String(n % 3).padStart(4, '0')}`,
    merchant: '000124642124643',
    latencyMs: 12,
    outcome: 'approved',
  };
  return (overrides === undefined ? record : { ...record, ...overrides }) as unknown as Omit<SampleTransactionRecord, keyof O> & O;
}
