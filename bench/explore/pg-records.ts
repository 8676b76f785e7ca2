/**
 * The transaction records of the PostgreSQL benches that measure the log's table apart, in the gateway bench's shape
 * (transaction-log.bench.ts: 100 POS terminals, each with its own STAN counting up, and the simulator's RRNs counting
 * up): test-support's sample purchase with those keys.
 */
import { sampleTransactionRecord } from '@iso8583/test-support';

/** Record `i` at `at`: terminal `P` + 7 digits (of 100), its STAN (the terminal's count, from 1), RRN `633515` + 6 digits. */
export function benchRecord(i: number, at: number): ReturnType<typeof sampleTransactionRecord> {
  const stan = (Math.floor(i / 100) % 999_999) + 1;
  return sampleTransactionRecord(i, {
    at,
    node: 'bench:1',
    terminal: `P${String(i % 100).padStart(7, '0')}`,
    stan: String(stan).padStart(6, '0'),
    rrn: `633515${String(i % 1_000_000).padStart(6, '0')}`,
    merchant: 'BENCHMERCHANT01',
  });
}
