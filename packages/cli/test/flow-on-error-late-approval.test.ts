// onError's approving answer to a sequence timeout that the endpoint's own timer beats (its 96 goes first) is never
// told: the sequence's approval it relayed must be reversed (undelivered-approvals.ts `onLateResult`, source onError).
// Before, onError's answer waited for its verdict's reversals to be stored (on-error-verdict.ts `judgeOnError`); once
// past the deadline's margin that wait ends on a timer armed after the endpoint's, whose 96 then went first; the late
// answer came to `onLateResult` as `sequence-timeout`, and the book, judged `approved`, kept the sequence's approval:
// the terminal told 96, the bank's approval standing. And the sequence's approval is reversed as the 96 goes (onError's
// signal aborted by the endpoint: undelivered-approvals.ts `watchedOnError`), not once onError's late answer comes (a
// crash between the two left it standing: sr64h). Real sockets: host simulators behind connectors, the flow's
// endpoint and book, a terminal's connector. The order is made certain, not raced: a timer callback of onError holds
// the event loop past the endpoint's deadline and onError settles in the check phase after it (the endpoint's timer is
// due before the wait's, and the wrapper's own timer not yet run), and the backup's reversal is held until the
// terminal has its answer; `onLateResult` being called is the settle point.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { IsoMessage } from '@iso8583/codec';
import type { Connector } from '@iso8583/connector';
import type { LateResultHandler } from '@iso8583/inbound';
import { capturedLogger, within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';
import { gate, namedBank, posTerminal, purchase } from './flow-approvals-bank.js';

const TIMEOUT = 2_000;

/**
 * A purchase whose sequence the primary approves and then hangs (the endpoint times it out) or fails in time
 * (`sequenceFails`), and whose onError, after the backup approved too, answers past the endpoint's deadline for it:
 * the sequence's approval relayed (hang) or the backup's own (fails). The reversal its verdict starts is held until
 * the terminal has its answer (the backup's, the primary's; every reversal's: `holdEvery`). Returns the terminal's
 * answer, what was handed to the store and the warn lines logged as it was written, and every reversal once onError's
 * late answer came.
 */
async function lateAnswer(t: TestContext, sequenceFails: boolean, holdEvery = false) {
  const primary = await namedBank(t, 'primary');
  // Its own authorization code (the simulators would give both first approvals the same): onError's answer, the
  // primary's fields, is not the backup's approval.
  const backup = await namedBank(t, 'backup', (answer) => (answer['38'] === undefined ? answer : { ...answer, 38: '654321' }));
  const answered = gate();
  const late = gate();
  const reversed: { upstream: string | undefined; stan: unknown; reason: string }[] = [];
  const approvals = new UndeliveredApprovals(async (original, _answer, upstream, reason) => {
    reversed.push({ upstream: upstream?.name, stan: original['11'], reason });
    // The backup's reversal is stored only once the terminal has its answer: onError's answer waits for it.
    if (holdEvery || upstream?.name === (sequenceFails ? 'primary' : 'backup')) await answered.opened;
  });
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout: TIMEOUT });
  const sequenceAnswers = new Map<unknown, IsoMessage>();
  const atTheAnswer: string[][] = [];
  const { logger, lines } = capturedLogger('warn');
  const warnedAtTheAnswer: string[] = [];
  const onLateResult: LateResultHandler = (...args) => {
    approvals.onLateResult(...args);
    if (args[4] === 'onError') late.open();
  };
  const terminal = await posTerminal(t, {
    sequenceTimeout: TIMEOUT,
    connectors: { primary, backup },
    sequence: approvals.sequence(async (message, context) => {
      sequenceAnswers.set(message.fields['11'], await (context.connectors.primary as Connector).request({ ...message.fields }, { signal: context.signal }));
      // Hangs (the endpoint times it out) or fails in time; onError answers the terminal.
      if (sequenceFails) throw new Error('loyalty down');
      return new Promise<IsoMessage>(() => undefined);
    }),
    onError: approvals.onError(async (message, context) => {
      const called = performance.now();
      const stan = message.fields['11'];
      const backupAnswer = await (context.connectors.backup as Connector).request({ ...message.fields, 11: '000932' }, { signal: context.signal });
      const left = called + TIMEOUT - 100 - performance.now();
      assert.ok(left > 0, 'the backup answered well within the sequenceTimeout');
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          // Settles past the endpoint's deadline for onError (its timer, made as onError returned), before the timers
          // then due run: the loop is held past it here, and the answer given in the check phase that follows (the
          // loop's clock read again at its poll), so the wrapper sees it before its own timer, and a timer it makes
          // then is due after the endpoint's.
          while (performance.now() < called + TIMEOUT + 100) {
            // Holding the event loop.
          }
          setImmediate(resolve);
        }, left),
      );
      return sequenceFails ? backupAnswer : { ...(sequenceAnswers.get(stan) as IsoMessage), 0: '0210' };
    }),
    onLateResult,
    // What was handed to the store as the 96 is written (the handler is called as the 96 goes, not once onError's late
    // answer comes: a crash between the two would leave the primary's approval standing, the terminal told 96).
    onReply: () => {
      atTheAnswer.push(reversed.map((r) => `${String(r.upstream)} ${String(r.stan)}`).sort());
      warnedAtTheAnswer.push(...lines.map((l) => `${String(l.code)}: ${String(l.msg)}`));
    },
    logger,
  });
  const answer = (await within(terminal.request(purchase('000931')), 15_000, 'the terminal answered')) as IsoMessage;
  answered.open();
  await within(late.opened, 10_000, 'onError\'s late answer handed to onLateResult');
  return { answer, atTheAnswer, warnedAtTheAnswer, reversed: reversed.map((r) => `${String(r.upstream)} ${String(r.stan)} ${r.reason}`).sort() };
}

test('flow onError late approval – onError relays the sequence\'s approval after the endpoint\'s 96 went: the approval is reversed', async (t) => {
  const { answer, atTheAnswer, reversed } = await lateAnswer(t, false);
  assert.equal(answer['39'], '96', 'the endpoint\'s timer answered first');
  assert.deepEqual(atTheAnswer, [['backup 000932', 'primary 000931']], 'both reversals started before the 96 was written');
  assert.deepEqual(reversed, ['backup 000932 sequence-timeout', 'primary 000931 sequence-timeout'], 'the terminal was told 96: neither approval stands');
});

// The sequence failed in time and onError relays its backup's approval (the primary's reversed by its verdict,
// `sequence-failed`) past the endpoint's deadline: the backup's, told to no one, is reversed as the 96 goes, with the
// timeout's reason as every approval the endpoint's timer undoes (before: the failure's, `sequence-failed`, while the
// sequence's book was given `sequence-timeout`: sr65c #5).
test('flow onError late approval – the sequence failed, onError\'s own approval beaten by the endpoint\'s 96: reversed as sequence-timeout', async (t) => {
  const { answer, atTheAnswer, warnedAtTheAnswer, reversed } = await lateAnswer(t, true);
  assert.equal(answer['39'], '96', 'the endpoint\'s timer answered first');
  assert.deepEqual(atTheAnswer, [['backup 000932', 'primary 000931']], 'both reversals started before the 96 was written');
  // The verdict's reversal of the primary (held till the terminal has its answer) is waited for too, not only the
  // backup's the abort started: the 96 waits to the bound and says so.
  const unstored = warnedAtTheAnswer.filter((l) => l.startsWith('ISO8583_WARN_FLOW_DECLINE_UNSTORED: 96 after onError'));
  assert.ok(unstored.length >= 1, `the 96 waited for the verdict's held reversal store: ${JSON.stringify(warnedAtTheAnswer)}`);
  assert.deepEqual(reversed, ['backup 000932 sequence-timeout', 'primary 000931 sequence-failed'], 'the terminal was told 96: neither approval stands');
});

// The endpoint's 96 after onError waits for the reversals the abort of onError's signal starts (inbound on-error.ts
// `holdGiveUp`): stored, or a tenth of the sequenceTimeout at most, then written with ISO8583_WARN_FLOW_DECLINE_UNSTORED
// logged first (undelivered-approvals.ts `watchedOnError`). Before, the listener only started their store and the 96
// went at once (sr65c #1): a crash right after it left both approvals standing, the terminal told 96. Every store is
// held here until the terminal has its answer: the 96 goes at the bound, after the line.
test('flow onError late approval – the endpoint\'s 96 after onError waits for its reversals\' store, bounded, then says so', async (t) => {
  const { answer, warnedAtTheAnswer, reversed } = await lateAnswer(t, false, true);
  assert.equal(answer['39'], '96', 'the endpoint\'s timer answered first');
  const unstored = warnedAtTheAnswer.filter((l) => l.startsWith('ISO8583_WARN_FLOW_DECLINE_UNSTORED: 96 after onError'));
  assert.equal(unstored.length, 1, `the 96 waited for the store, and said it went before it ended: ${warnedAtTheAnswer.join(' | ')}`);
  assert.deepEqual(reversed, ['backup 000932 sequence-timeout', 'primary 000931 sequence-timeout']);
});

// onError that never settles: its wrapper's timer tells the verdict no (the sequence's approval reversed, as
// `sequence-failed`) just before the endpoint's timer aborts onError's signal; the abort then starts nothing new, and
// the 96 went at once, before the verdict's reversal was stored (sr65g #1). It waits for that store too (bounded: the
// line says so). The store is held until the terminal has its answer.
test('flow onError late approval – onError never settles: the endpoint\'s 96 waits for its verdict\'s reversal store, bounded', async (t) => {
  const primary = await namedBank(t, 'primary');
  const answered = gate();
  t.after(() => answered.open());
  const reversed: string[] = [];
  const approvals = new UndeliveredApprovals(async (original, _answer, upstream, reason) => {
    reversed.push(`${String(upstream?.name)} ${String(original['11'])} ${reason}`);
    await answered.opened;
  });
  const sequenceTimeout = 1_000;
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout });
  const { logger, lines } = capturedLogger('warn');
  const warnedAtTheAnswer: string[] = [];
  const terminal = await posTerminal(t, {
    sequenceTimeout,
    connectors: { primary },
    sequence: approvals.sequence(async (message, context) => {
      await (context.connectors.primary as Connector).request({ ...message.fields }, { signal: context.signal });
      throw new Error('loyalty down');
    }),
    onError: approvals.onError(() => new Promise<IsoMessage>(() => undefined)),
    onLateResult: approvals.onLateResult,
    onReply: () => {
      warnedAtTheAnswer.push(...lines.map((l) => `${String(l.code)}: ${String(l.msg)}`));
    },
    logger,
  });
  const answer = (await within(terminal.request(purchase('000941')), 15_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '96');
  const unstored = warnedAtTheAnswer.filter((l) => l.startsWith('ISO8583_WARN_FLOW_DECLINE_UNSTORED: 96 after onError'));
  assert.equal(unstored.length, 1, `the 96 waited for the verdict's store, and said it went before it ended: ${warnedAtTheAnswer.join(' | ')}`);
  assert.match(unstored[0] ?? '', /not stored within a tenth of the sequenceTimeout, 250 ms at most/, 'the line names the 96\'s bound');
  assert.deepEqual(reversed, ['primary 000941 sequence-failed']);
});
