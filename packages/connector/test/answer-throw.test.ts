// A throw after an answer (here the debug log line of the response, whose destination fails) leaves the answer to the
// caller and gives the connection and the in-flight slot back, on the ready path (a channel free now, the channel's
// callback settles the promise) and on the path that waits (an exclusive pool: a channel borrowed, one at a time). With one connection and one request in
// flight allowed, a leak of either shows at the next request (refused for the in-flight limit, or left waiting for a
// connection until `pool.acquireTimeout`); the next request is answered instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { within } from '@iso8583/test-support';
import type { ConnectorOptions } from '../src/index.js';
import { peerAndConnector } from './helpers/setup.js';
import { answer, purchase } from './peer.js';

/** A debug logger whose destination fails once, on the line that logs a response (after the answer, as it is counted). */
function failingOnce(): { logger: pino.Logger; failed: () => boolean } {
  let failed = false;
  const destination = {
    write(line: string): void {
      if (!failed && line.includes('"msg":"response"')) {
        failed = true;
        throw new Error('the log destination failed');
      }
    },
  };
  return { logger: pino({ level: 'debug' }, destination), failed: () => failed };
}

const cases: [string, Omit<ConnectorOptions, 'host' | 'port'>][] = [
  ['the ready path (multiplex)', {}],
  ['the path that waits (exclusive pool of one)', { mode: 'exclusive', pool: { min: 1, max: 1, acquireTimeout: 5_000 } }],
];

for (const [name, options] of cases) {
  test(`answer – a throw after the answer on ${name} leaves the answer and gives the connection and the in-flight slot back`, async (t) => {
    const { logger, failed } = failingOnce();
    const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { ...options, logger, maxInFlight: 1, requestTimeout: 10_000 });
    await connector.connect();
    // The host answered: the answer stands (an approved purchase must not look failed), settled once.
    const first = await within(connector.request(purchase('000001')), 10_000, 'the first request to be answered');
    assert.equal(first['39'], '00');
    assert.ok(failed(), 'the response line was the one that failed');
    const next = await within(connector.request(purchase('000002')), 10_000, 'the next request to be answered');
    assert.equal(next['39'], '00');
    assert.equal(connector.stats().inFlight, 0);
  });
}

for (const [name, options] of cases) {
  test(`answer – on ${name}, an observer that throws and a logger that throws on every error line leave the answer and the next request`, async (t) => {
    let errorLines = 0;
    const destination = {
      write(line: string): void {
        if (line.includes('"level":50')) {
          errorLines += 1;
          throw new Error('the log destination failed');
        }
      },
    };
    const log = {
      records: [] as unknown[],
      open: async () => undefined,
      record: async (r: unknown) => void log.records.push(r),
      query: async () => [],
      prune: async () => 0,
      close: async () => undefined,
    };
    const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
      ...options, logger: pino({ level: 'info' }, destination), maxInFlight: 1, requestTimeout: 10_000, transactionLog: log,
    });
    connector.transactions?.observe(() => {
      throw new Error('the observer failed');
    });
    await connector.connect();
    const first = await within(connector.request(purchase('000001')), 10_000, 'the first request to be answered');
    assert.equal(first['39'], '00');
    assert.ok(errorLines >= 1, 'the observer failure was logged, and the log line threw');
    const next = await within(connector.request(purchase('000002')), 10_000, 'the next request to be answered');
    assert.equal(next['39'], '00');
    assert.equal(log.records.length, 2, 'each request recorded once');
    assert.equal(connector.stats().inFlight, 0);
  });
}
