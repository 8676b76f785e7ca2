/**
 * The shed line of a capped port (src/http/shed-log.ts) names the flags that set its cap and an address's share, and
 * their values when given: an operator reading "at its connection cap" learns what to raise. A real pino logger.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { eventWithin } from '@iso8583/test-support';
import { capFlags, shedLog } from '../src/http/shed-log.js';

/** A logger and the first line it writes (parsed), failing with a message if none comes. */
function firstLine(): { logger: pino.Logger; line: Promise<Record<string, unknown>> } {
  let got: (line: Record<string, unknown>) => void = () => undefined;
  // keepAlive: the shed line's timer is unref'd, so the wait holds the process open until the line comes.
  const line = eventWithin<Record<string, unknown>>(10_000, 'no shed line was written', (resolve) => (got = resolve), { keepAlive: true });
  const logger = pino({ level: 'info' }, new Writable({ write(chunk: Buffer, _enc, done) { got(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } }));
  return { logger, line };
}

test('shed log – the HTTP port\'s line names --http-max-connections and its per-address flag, with their values', async () => {
  const { logger, line } = firstLine();
  const shed = shedLog(logger, 'http', 1, { flags: capFlags('http'), limits: { max: 4, perAddress: 3 } });
  shed('refused');
  shed('evicted');
  const got = await line;
  assert.equal(got.msg, 'the http port was at its connection cap (--http-max-connections 4; an address\'s share --http-max-connections-per-address 3): 1 new connection(s) refused, 0 refused at their address\'s share, 1 held one(s) closed to make room');
  assert.equal(got.option, '--http-max-connections');
  assert.equal(got.perAddressOption, '--http-max-connections-per-address');
  assert.equal(got.max, 4);
  assert.equal(got.perAddress, 3);
});

test('shed log – flags without values are named; the --metrics and stats ports name --metrics-max-connections', async () => {
  const { logger, line } = firstLine();
  shedLog(logger, 'metrics', 1, { flags: capFlags('metrics') })('refusedFromAddress');
  const got = await line;
  assert.equal(got.msg, 'the metrics port was at its connection cap (--metrics-max-connections; an address\'s share --metrics-max-connections-per-address): 0 new connection(s) refused, 1 refused at their address\'s share, 0 held one(s) closed to make room');
  assert.equal(got.max, undefined);
  assert.deepEqual(capFlags('stats'), capFlags('metrics'));
  assert.equal(capFlags('toString'), undefined, 'a port name is looked up as a key of its own, not of Object.prototype');
});

test('shed log – a port whose cap no flag sets (iso8583 run\'s HTTP port) names none; its values when given', async () => {
  const bare = firstLine();
  shedLog(bare.logger, 'http', 1)('refused');
  const got = await bare.line;
  assert.equal(got.msg, 'the http port was at its connection cap: 1 new connection(s) refused, 0 refused at their address\'s share, 0 held one(s) closed to make room');
  assert.equal(got.option, undefined);
  const valued = firstLine();
  shedLog(valued.logger, 'http', 1, { limits: { max: 1000, perAddress: 900 } })('evicted');
  assert.match(String((await valued.line).msg), /^the http port was at its connection cap \(1000; an address's share 900\): /);
});
