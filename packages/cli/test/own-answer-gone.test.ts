// The gateway's own answer to a POS message whose upstream request failed: "answered by the gateway" (and counted) only
// for a client still connected; for one whose connection had closed (a stop's cut, a terminal gone) the line says no
// answer was written, and the answers metric does not count it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { Iso8583Error } from '@iso8583/codec';
import { ownAnswer } from '../src/gateway/own-answer.js';

test('own answer – a client gone gets "no answer written", not "answered by the gateway", and is not counted', async () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const registry = new Registry();
  const counter = new Counter({ name: 'own_answers_total', help: 'test', labelNames: ['response_code'], registers: [registry] });
  const answer = ownAnswer(pino({ level: 'info' }, sink), counter);
  const request = { 0: '0200', 3: '000000', 4: '000000001000', 11: '000601', 41: 'STOPSLW1' };
  const lost = Object.assign(new Iso8583Error('ISO8583_ERR_CONNECTOR_CONNECTION_LOST', 'the link dropped'), { sent: 'maybe' as const });
  const gone = answer(request, '0200', lost, undefined, true) as Record<string, unknown>;
  assert.equal(gone['39'], '68');
  const there = answer(request, '0200', lost) as Record<string, unknown>;
  assert.equal(there['39'], '68');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(lines.map((l) => l.msg), ['upstream failed; the POS client had gone, no answer written', 'answered by the gateway']);
  assert.deepEqual(answer.byResponseCode, { 68: 1 }, 'only the answer written is counted');
  assert.equal((await registry.getSingleMetric('own_answers_total')?.get())?.values[0]?.value, 1);
});
