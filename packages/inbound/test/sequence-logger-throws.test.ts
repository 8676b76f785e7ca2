// A sequence's own log call (`context.logger`) never throws into the sequence: a sequence that had its approval from
// the bank, then logs through a logger that fails, still answers its client with the approval (not a 96 while the bank
// holds the approval). The line is lost, as the endpoint's own lines are (logSafely). Real sockets on 127.0.0.1, a real
// pino logger on a full disk (/dev/full), and a custom logger whose methods throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { MessageInput } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import type { InboundEndpoint, Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import type { Reply } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';

function answer(client: TestClient, message: MessageInput): Promise<Reply> {
  return within(client.request(message), 10_000, `an answer to STAN ${String(message['11'])}`);
}

function failures(endpoint: InboundEndpoint): Record<string, number> {
  return endpoint.stats().errorsByCode;
}

/**
 * A logger shaped like pino whose every level method and `setBindings` throw; when `childThrows`, so does `child` for
 * a message's logger and the sequence's own children (bindings with `messageId` or `step`; the endpoint's and the
 * connection's children are made as ever). `calls` counts the throws.
 */
function throwingLogger(childThrows: boolean): { logger: Logger; calls: () => number } {
  let calls = 0;
  const fail = (): never => {
    calls += 1;
    throw new Error('log destination failed');
  };
  const logger: Record<string, unknown> = {
    trace: fail, debug: fail, info: fail, warn: fail, error: fail, fatal: fail, setBindings: fail,
    child: (bindings: Record<string, unknown>) => (childThrows && ('messageId' in bindings || 'step' in bindings) ? fail() : logger),
  };
  return { logger: logger as unknown as Logger, calls: () => calls };
}

/** The bank approved (money moved), then the sequence logs it through every way `context.logger` offers. */
const approvedThenLogged: Sequence = async (message, context) => {
  await Promise.resolve(); // The bank's answer.
  const reply = approveAll(message, context);
  context.logger.info({ stan: message.fields['11'] }, 'approved by the bank');
  const child = context.logger.child({ step: 'book' });
  child.setBindings({ booked: true });
  child.warn('booked');
  return reply;
};

test('sequence logger – a pino destination on a full disk: the approval still reaches the client', async (t) => {
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/full', sync: true }));
  // The disk is full: pino's own write throws (the check that the test covers what it says).
  assert.throws(() => logger.info('probe'), { code: 'ENOSPC' });
  const { endpoint, port } = await startEndpoint(t, { logger, sequence: approvedThenLogged });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await answer(client, purchase(1));
  assert.equal(reply.fields['39'], '00');
  assert.deepEqual(failures(endpoint), {});
});

test('sequence logger – a custom logger whose methods (and child) throw: the approval still reaches the client', async (t) => {
  for (const childThrows of [false, true]) {
    const { logger, calls } = throwingLogger(childThrows);
    const { endpoint, port } = await startEndpoint(t, { logger, sequence: approvedThenLogged });
    const client = await TestClient.connect(port);
    t.after(() => client.destroy());
    const reply = await answer(client, purchase(2));
    assert.equal(reply.fields['39'], '00', `child throws: ${String(childThrows)}`);
    assert.deepEqual(failures(endpoint), {});
    assert.ok(calls() >= 1, 'the logger threw');
  }
});
