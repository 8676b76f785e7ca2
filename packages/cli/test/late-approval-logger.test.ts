// The one handler of approvals a client never got (late-approval.ts) with a logger whose every call throws (a pino
// destination that fails): each line is lost, nothing else. The reversal is still stored in the SAF queue and counted;
// when the store is refused it is still sent once without SAF and counted; and no log call leaves an unhandled
// rejection behind (which ends the process on Node 20). Real parts: a bank endpoint, a connector with its file journal,
// pino writing to a destination that throws.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { IsoMessage } from '@iso8583/codec';
import { FileJournal } from '@iso8583/connector';
import type { JournalEntry } from '@iso8583/connector';
import { within } from '@iso8583/test-support';
import { undeliveredApproval } from '../src/gateway/late-approval.js';
import { reversingBank } from './helpers/reversing-bank.js';

/** The file journal, refusing every new entry as a full disk does when `refuse` is set. */
class RefusingJournal extends FileJournal {
  refuse = false;
  override add(entry: JournalEntry): Promise<void> {
    if (this.refuse) return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    return super.add(entry);
  }
}

/** A purchase of 10.00 with a test card number, and the bank's approval of it. */
const purchase: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1204043000', 11: '000111', 41: 'TERM0001', 49: '840' };
const approval: IsoMessage = { ...purchase, 0: '0210', 39: '00' };

for (const { name, refuse, last, outcome } of [
  { name: 'the reversal is stored in the SAF queue and counted', refuse: false, last: 'reversed', outcome: 'reversed' },
  { name: 'the store refused, the reversal is sent once without SAF and counted', refuse: true, last: 'reversed without SAF', outcome: 'reversed-without-saf' },
]) {
  test(`late approval – a logger that throws on every line: ${name}, no unhandled rejection`, async (t: TestContext) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    t.after(() => process.off('unhandledRejection', onUnhandled));
    const { upstream, reversed } = await reversingBank(t, (dir) => {
      const journal = new RefusingJournal(dir);
      journal.refuse = refuse;
      return journal;
    });
    // Each line is read (the event the test waits for), then the destination throws, as a failing sink does.
    const lines: string[] = [];
    let lastLine: () => void = () => undefined;
    const lastLogged = new Promise<void>((resolve) => (lastLine = resolve));
    const logger = pino(
      { level: 'warn' },
      {
        write(line: string) {
          const msg = String((JSON.parse(line) as { msg?: unknown }).msg);
          lines.push(msg);
          if (msg.endsWith(`: ${last}`)) lastLine();
          throw new Error('the log destination failed');
        },
      },
    );
    const registry = new Registry();
    const reverse = undeliveredApproval({ connector: upstream, logger, registry });
    reverse(purchase, approval, upstream, 'sequence-failed', 'pos');
    const sent = await within(reversed, 10_000, 'the reversal to reach the bank');
    assert.equal(sent['11'], '000111', 'the reversal names the purchase');
    await within(lastLogged, 10_000, `the "${last}" line to be written`);
    // An unhandled rejection is reported as the tick that made it ends: the loop's next phase comes after that.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const counted = (await registry.getSingleMetric('iso8583_gateway_undelivered_approvals_total')?.get())?.values.map((v) => `${String(v.labels.outcome)}=${v.value}`);
    assert.deepEqual(counted, [`${outcome}=1`]);
    assert.deepEqual(unhandled, [], 'no log call left an unhandled rejection');
    assert.ok(lines.length > 0, 'the logger was called (and threw)');
  });
}
