// Reversals answered `25` (undid nothing) are remembered for a late approval of their original, at most OVERTAKEN_MAX
// at once (reversal-overtaken.ts). Past the cap the oldest were forgotten silently (rv68h #1): a bank outage answering
// `25` to a thousand timeouts, then a late approval of a forgotten one, stood unreversed with no record of which. Each
// one forgotten while its window is open is now counted and named (MTI, STAN, terminal, field 7; no card data) in a
// rate-limited warn line (reversal-overtaken-drops.ts), and the count is a metric.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { OvertakenReversals } from '../src/reversal-overtaken.js';
import { DROP_LINES_PER_SECOND, OvertakenDrops } from '../src/reversal-overtaken-drops.js';
import { ConnectorMetrics } from '../src/metrics.js';
import { OvertakenKept } from '../src/journal-overtaken.js';
import { capturedLogger } from './helpers/setup.js';

const dialect = getDialect('iso87ascii');
const PAN = '4111111111111111';

/** A reversal of STAN `i` and its `25`. */
function reversal(i: number): { sent: IsoMessage; answer: IsoMessage } {
  const stan = String(i).padStart(6, '0');
  const sent: IsoMessage = { '0': '0400', '2': PAN, '4': '000000001000', '7': '1207203000', '11': stan, '32': '123456', '41': 'TERM0001', '90': `0200${stan}` };
  return { sent, answer: { '0': '0410', '11': stan, '39': '25', '41': 'TERM0001' } };
}

test('a reversal that undid nothing forgotten past the cap is counted and named at warn (MTI, STAN, terminal, field 7), no card data', () => {
  const { logger, lines, text } = capturedLogger('info');
  let tick = 0;
  const drops = new OvertakenDrops(logger, 2, () => (tick += 1_000)); // a second between drops: each logged
  const o = new OvertakenReversals(dialect, ['4'], 2, 600_000, drops);
  for (let i = 1; i <= 5; i++) {
    const { sent, answer } = reversal(i);
    assert.equal(o.answered(sent, answer), undefined);
  }
  assert.equal(drops.count, 3, 'the three oldest forgotten, each counted');
  const dropped = lines.filter((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_DROPPED');
  assert.deepEqual(dropped.map((l) => [l.level, l.cause, l.mti, l.stan, l.terminal, l.transmission, l.responseCode, l.dropped]), [
    [40, 'OVERTAKEN_MAX', '0400', '000001', 'TERM0001', '1207203000', '25', 1],
    [40, 'OVERTAKEN_MAX', '0400', '000002', 'TERM0001', '1207203000', '25', 2],
    [40, 'OVERTAKEN_MAX', '0400', '000003', 'TERM0001', '1207203000', '25', 3],
  ]);
  assert.ok(!text().includes(PAN) && !text().includes('411111'), 'no card data in the lines');
  // The two newest are still remembered: their late approval is reversed again.
  const late: IsoMessage = { '0': '0210', '2': PAN, '4': '000000001000', '7': '1207203000', '11': '000005', '32': '123456', '39': '00', '41': 'TERM0001' };
  assert.ok(o.again(late) !== undefined, 'the newest kept');
});

test('the drop lines are rate-limited: at most DROP_LINES_PER_SECOND a second, the next line says how many were not logged (suppressed); the count has all', () => {
  const { logger, lines } = capturedLogger('info');
  let clock = 0;
  const drops = new OvertakenDrops(logger, 1, () => clock);
  const o = new OvertakenReversals(dialect, ['4'], 1, 600_000, drops);
  const storm = DROP_LINES_PER_SECOND + 7;
  for (let i = 1; i <= storm + 1; i++) {
    const { sent, answer } = reversal(i);
    o.answered(sent, answer);
  }
  assert.equal(drops.count, storm);
  assert.equal(lines.filter((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_DROPPED').length, DROP_LINES_PER_SECOND, 'a storm does not flood the log');
  // A drop in the next second is logged, with the ones not logged before it.
  clock += 1_000;
  drops.dropped(reversal(99).sent, '25', Date.now(), 'OVERTAKEN_MAX');
  const last = lines.filter((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_DROPPED').at(-1);
  assert.equal(last?.stan, '000099');
  assert.equal(last?.suppressed, 7);
  assert.equal(last?.dropped, storm + 1);
});

test('a logger that throws on write neither breaks the memory nor leaves the answer: every reversal is still noted, later 25s work (sr68i #1)', () => {
  const logger = pino({ level: 'info' }, { write(): void { throw new Error('log sink down'); } });
  const drops = new OvertakenDrops(logger, 2);
  const o = new OvertakenReversals(dialect, ['4'], 2, 600_000, drops);
  for (let i = 1; i <= 6; i++) {
    const { sent, answer } = reversal(i);
    assert.doesNotThrow(() => o.answered(sent, answer), `the 25 of reversal ${i} is taken`);
  }
  assert.equal(drops.count, 4, 'each forgotten one counted');
  // The two newest are kept whole: a late approval of each is reversed again.
  for (const stan of ['000005', '000006']) {
    const late: IsoMessage = { '0': '0210', '2': PAN, '4': '000000001000', '7': '1207203000', '11': stan, '32': '123456', '39': '00', '41': 'TERM0001' };
    assert.ok(o.again(late) !== undefined, `reversal ${stan} kept`);
  }
});

test('a drops hook that throws leaves the memory whole: the bookkeeping is done before it is told (sr68i #1)', () => {
  const o = new OvertakenReversals(dialect, ['4'], 2, 600_000, { dropped(): void { throw new Error('hook down'); } });
  for (let i = 1; i <= 2; i++) o.answered(reversal(i).sent, reversal(i).answer);
  assert.throws(() => o.answered(reversal(3).sent, reversal(3).answer), /hook down/);
  assert.throws(() => o.answered(reversal(4).sent, reversal(4).answer), /hook down/, 'the hook again, not a TypeError of a broken map');
  const late: IsoMessage = { '0': '0210', '2': PAN, '4': '000000001000', '7': '1207203000', '11': '000004', '32': '123456', '39': '00', '41': 'TERM0001' };
  assert.ok(o.again(late) !== undefined, 'the newest noted whole');
});

test('past PER_KEY under one STAN and terminal, the oldest is forgotten, counted and named with cause PER_KEY', () => {
  const { logger, lines } = capturedLogger('info');
  const drops = new OvertakenDrops(logger, 1000);
  const o = new OvertakenReversals(dialect, ['4'], 1000, 600_000, drops);
  // Nine transactions reusing STAN 000001 at the terminal (other amounts): the first is pushed out.
  for (let i = 1; i <= 9; i++) {
    const { sent, answer } = reversal(1);
    o.answered({ ...sent, '4': String(i * 1000).padStart(12, '0') }, answer);
  }
  assert.equal(drops.count, 1);
  const line = lines.find((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_DROPPED');
  assert.deepEqual([line?.cause, line?.source, line?.stan], ['PER_KEY', 'memory', '000001']);
});

test('a PAN-shaped field 41 is masked in the drop line (summarize)', () => {
  const { logger, lines, text } = capturedLogger('info');
  const drops = new OvertakenDrops(logger, 1);
  drops.dropped({ ...reversal(1).sent, '41': PAN }, '25', Date.now(), 'OVERTAKEN_MAX');
  assert.equal(lines.filter((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_DROPPED').length, 1);
  assert.ok(!text().includes(PAN), 'no whole card number');
});

test('a reversal forgotten after its window closed is no loss: neither counted nor logged', () => {
  const { logger, lines } = capturedLogger('info');
  const drops = new OvertakenDrops(logger, 1);
  const o = new OvertakenReversals(dialect, ['4'], 1, 600_000, drops);
  const old = reversal(1);
  o.answered(old.sent, old.answer, true, Date.now() - 700_000);
  const next = reversal(2);
  o.answered(next.sent, next.answer);
  assert.equal(drops.count, 0);
  assert.equal(lines.filter((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_DROPPED').length, 0);
});

test('iso8583_connector_saf_overtaken_dropped_total counts the reversals forgotten early, per connector', async () => {
  const registry = new Registry();
  let dropped = 0;
  const source = { inFlight: () => 0, poolSize: () => 1, reversalsPending: () => 0, safDepth: () => 0, safEnded: () => ({ delivered: 0, expired: 0, abandoned: 0 }), safOvertakenDropped: () => dropped };
  const metrics = new ConnectorMetrics('bank', source, registry);
  const value = async (): Promise<number | undefined> => {
    const line = (await registry.getSingleMetricAsString('iso8583_connector_saf_overtaken_dropped_total')).split('\n').find((l) => l.startsWith('iso8583_connector_saf_overtaken_dropped_total{connector="bank"}'));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  };
  dropped = 3;
  assert.equal(await value(), 3);
  dropped = 5;
  assert.equal(await value(), 5, 'counted once each');
  metrics.release();
  assert.equal(await value(), undefined, 'released with the connector');
});

test('a record the file journal drops past its own cap is named (source journal) and counted with the memory\'s (sr68i #2)', () => {
  const { logger, lines, text } = capturedLogger('info');
  const drops = new OvertakenDrops(logger, 2);
  const kept = new OvertakenKept(logger, 2);
  kept.drops = drops;
  const live = new Map<string, string>();
  for (let i = 1; i <= 3; i++) {
    const id = `e${i}`;
    live.set(id, JSON.stringify({ op: 'add', id, reversal: reversal(i).sent, at: 1 }));
    kept.note(id, { rc: '25', since: Date.now() }, live.get(id));
    kept.doneLine(id, 'reversed', Date.now());
    kept.committed([id], [undefined], live);
  }
  assert.equal(kept.size, 2);
  assert.equal(drops.count, 1, 'the journal\'s drop counted');
  const named = lines.filter((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_DROPPED');
  assert.deepEqual(named.map((l) => [l.source, l.cause, l.mti, l.stan, l.terminal, l.responseCode]), [['journal', 'OVERTAKEN_MAX', '0400', '000001', 'TERM0001', '25']]);
  assert.ok(!text().includes(PAN), 'no card data');
});
