// An approval the bank gives after the POS timeout (the terminal already has its timeout answer) is reversed, once,
// through the SAF queue, with the upstream connector's own reversal options; a late approval of anything that is not
// reversible (an advice, a reversal, a network management message) is left alone: reversing a completion advice
// would take the merchant's money back. The gateway's POS endpoint, as here: a sequence that relays to the bank
// through a real connector, with `onLateResult` set to `lateApproval`.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { waitUntil, within } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { createCodec } from '@iso8583/codec';
import { FileJournal, createConnector } from '@iso8583/connector';
import type { Connector, JournalEntry, SafEvent } from '@iso8583/connector';
import { EncodedReply, createInboundEndpoint, responseMti } from '@iso8583/inbound';
import { lateApproval, undeliveredApproval } from '../src/gateway/late-approval.js';
import type { UndeliveredApprovalBook } from '../src/gateway/late-approval.js';

interface Setup {
  /** What the bank received, by MTI, in order. */
  readonly bank: string[];
  /** What the bank received, the messages. */
  readonly bankFields: IsoMessage[];
  /** The POS side's client: sends to the gateway's POS endpoint. */
  readonly pos: Connector;
  readonly upstream: Connector;
  /** Lets the relay of the message with `stan` go on to the bank (after its POS timeout). */
  release(stan: string): void;
  /** The upstream's SAF store. */
  readonly journal: AddRefusingJournal;
  /** The gateway's log lines. */
  readonly lines: Record<string, unknown>[];
  /** Resolves with the first line the gateway logs with this code. */
  logged(code: string): Promise<Record<string, unknown>>;
  /** `iso8583_gateway_undelivered_approvals_total`, as `reason/outcome=count`. */
  outcomes(): Promise<string[]>;
  /** The handler the POS endpoint's `onLateResult` hands the late approvals to, with its book. */
  readonly book: UndeliveredApprovalBook;
}

/**
 * The upstream's SAF store: the real file journal, except that a new entry (here the late approval's reversal, which
 * `saf: true` stores) is refused as a full disk refuses it, once `refuseAdds` is set.
 */
class AddRefusingJournal extends FileJournal {
  refuseAdds = false;
  /** Called as an entry is refused. */
  onRefused: () => void = () => undefined;
  override add(entry: JournalEntry): Promise<void> {
    if (this.refuseAdds) {
      this.onRefused();
      return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    }
    return super.add(entry);
  }
}

/**
 * `dialect`: the bank's and the upstream's; `posDialect` (default: the same) the POS side's; `held: false` relays at
 * once (no gate).
 */
async function setup(t: TestContext, dialect = 'iso87ascii', { posDialect = dialect, held = true }: { posDialect?: string; held?: boolean } = {}): Promise<Setup> {
  const iso93 = dialect.startsWith('iso93');
  const approved = iso93 || dialect === 'smartvista' ? '000' : '00';
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-late-approval-'));
  const journal = new AddRefusingJournal(dir);
  const bank: string[] = [];
  const bankFields: IsoMessage[] = [];
  const bankEndpoint = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    dialect,
    sequence: (m) => {
      bank.push(m.mti);
      bankFields.push(m.fields);
      return { ...m.fields, 0: responseMti(m.mti), 39: iso93 && m.mti === '1420' ? '400' : approved };
    },
  });
  const bankAddress = await bankEndpoint.start();
  const upstream = createConnector({
    host: '127.0.0.1',
    port: bankAddress.port,
    dialect,
    // As the gateway configures it (upstream-options.ts): a 1993 acquirer reverses with the advice, 1420.
    reversal: { enabled: true, journal, mti: iso93 ? '0420' : '0400' },
  });
  await upstream.connect();
  const lines: Record<string, unknown>[] = [];
  const waiting: { code: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const l of chunk.toString('utf8').split('\n')) {
          if (l === '') continue;
          const line = JSON.parse(l) as Record<string, unknown>;
          lines.push(line);
          for (const w of waiting) if (w.code === line.code) w.resolve(line);
        }
        done();
      },
    }),
  );
  const gates = new Map<string, () => void>();
  const gate = (stan: string): Promise<void> => new Promise((resolve) => gates.set(stan, resolve));
  const codec = createCodec(upstream.codec.dialect);
  const registry = new Registry();
  const book = undeliveredApproval({ connector: upstream, logger, registry });
  const posEndpoint = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    dialect: posDialect,
    sequenceTimeout: held ? 100 : 10_000,
    onLateResult: lateApproval(book),
    sequence: async (m) => {
      if (held) await gate(m.fields['11'] as string);
      const answer = (await upstream.request(m.fields)) as IsoMessage;
      return new EncodedReply(answer, codec.pack(answer), upstream.codec.dialect);
    },
  });
  const posAddress = await posEndpoint.start();
  const pos = createConnector({ host: '127.0.0.1', port: posAddress.port, dialect: posDialect, reversal: { enabled: false } });
  t.after(async () => {
    await pos.destroy();
    await posEndpoint.destroy();
    await upstream.close();
    await bankEndpoint.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    outcomes: async () => (await registry.getSingleMetric('iso8583_gateway_undelivered_approvals_total')?.get())?.values.map((v) => `${String(v.labels.reason)}/${String(v.labels.outcome)}=${v.value}`) ?? [],
    journal,
    bank,
    bankFields,
    pos,
    upstream,
    lines,
    release: (stan) => gates.get(stan)?.(),
    logged: (code) => new Promise((resolve) => waiting.push({ code, resolve })),
    book,
  };
}

function answered(connector: Connector): Promise<SafEvent> {
  return new Promise((resolve) => {
    connector.on('saf', (e) => {
      if (e.stage === 'answered') resolve(e);
    });
  });
}

const purchase = (stan: string): IsoMessage => ({
  0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1201120000', 11: stan, 41: 'TERM0001', 49: '840',
});

test('late approval – a purchase the bank approves after the POS timeout is reversed once (0400, field 90 naming it)', async (t) => {
  const s = await setup(t);
  const reversed = answered(s.upstream);
  // The terminal gets its timeout answer; only then does the relay reach the bank, which approves.
  await s.pos.request(purchase('008101')).catch(() => undefined);
  s.release('008101');
  const e = await within(reversed, 10_000, 'the late approval to be reversed');
  assert.equal(e.stan, '008101');
  // Filed as a reversal, as the connector's own (field 7 fresh where the dialect asks, ended `reversed`), not as an advice.
  assert.equal(e.kind, 'reversal');
  assert.deepEqual(s.bank, ['0200', '0400']);
  // Field 90: original MTI, STAN, transmission date and time.
  assert.match(String(s.bankFields[1]?.['90']), /^02000081011201120000/);
  assert.ok(s.lines.some((l) => l.code === 'ISO8583_ERR_INBOUND_LATE_REPLY' && l.msg === 'an approval came after the POS timeout: reversed'));
  assert.deepEqual(await s.outcomes(), ['sequence-timeout/reversed=1']);
});

test('late approval – an approval the POS dialect cannot carry (SmartVista\'s 000 in iso87ascii\'s an 2 field 39): the terminal gets a 96 and the approval is reversed once', async (t) => {
  const s = await setup(t, 'smartvista', { posDialect: 'iso87ascii', held: false });
  const reversed = answered(s.upstream);
  assert.equal((await s.pos.request({ ...purchase('008501'), 41: '10000001', 42: '123456789012345' }))['39'], '96');
  const e = await within(reversed, 10_000, 'the approval to be reversed');
  assert.equal(e.stan, '008501');
  assert.deepEqual(s.bank, ['0200', '0400']);
  assert.ok(s.lines.some((l) => l.code === 'ISO8583_ERR_INBOUND_REPLY_INVALID' && l.msg === 'an approval cannot be written in the client\'s dialect (the client got an error answer: a 96 on POS, a 502 over HTTP): reversed'));
  assert.deepEqual(await s.outcomes(), ['reply-invalid/reversed=1']);
});

test('late approval – with an ISO 8583:1993 upstream, a late-approved purchase (1200) is reversed with the upstream\'s reversal, 1420 (field 56)', async (t) => {
  const s = await setup(t, 'iso93ascii');
  const reversed = answered(s.upstream);
  await s.pos.request({ 0: '1200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: '008301', 12: '261201120000', 41: 'TERM0001', 49: '840' }).catch(() => undefined);
  s.release('008301');
  const e = await within(reversed, 10_000, 'the late approval to be reversed');
  assert.equal(e.stan, '008301');
  assert.equal(e.kind, 'reversal');
  assert.deepEqual(s.bank, ['1200', '1420']);
  assert.match(String(s.bankFields[1]?.['56']), /^1200008301261201120000/);
});

test('late approval – an advice (0220), a relayed reversal (0400) or an echo (0800) approved after the POS timeout is not reversed', async (t) => {
  const s = await setup(t);
  const sent: string[] = [];
  for (const [mti, stan] of [['0220', '008201'], ['0400', '008202']] as const) {
    sent.push(mti);
    await s.pos.request({ ...purchase(stan), 0: mti }).catch(() => undefined);
    const late = s.logged('ISO8583_ERR_INBOUND_LATE_REPLY');
    s.release(stan);
    const line = await within(late, 10_000, `the late approval of the ${mti} to be seen`);
    assert.equal(line.msg, 'an approval came after the POS timeout: not a reversible request, not reversed', mti);
    assert.equal(s.upstream.stats().safDepth, 0, `nothing stored to send (${mti})`);
  }
  // An echo's late 0810 00 moved no money: not an approval at all, neither logged as one nor stored (late-approval.ts).
  sent.push('0800');
  await s.pos.request({ ...purchase('008203'), 0: '0800' }).catch(() => undefined);
  s.release('008203');
  // The upstream's next request goes after anything the late approvals could have sent: the bank saw no reversal.
  assert.equal(((await s.upstream.request({ 0: '0800', 11: '008204', 41: 'TERM0001', 70: '301' })) as IsoMessage)['39'], '00');
  assert.deepEqual(s.bank, [...sent, '0800']);
  assert.equal(s.upstream.stats().safDepth, 0, 'nothing stored to send (0800)');
  assert.equal(s.lines.filter((l) => l.code === 'ISO8583_ERR_INBOUND_LATE_REPLY').length, 2, 'the 0810 is not logged as a late approval');
});

test('late approval – when the SAF queue cannot store the reversal (a full disk), it is sent once without SAF and both steps are logged', async (t) => {
  const s = await setup(t);
  await s.pos.request(purchase('008401')).catch(() => undefined);
  s.journal.refuseAdds = true;
  const reversed = s.logged('ISO8583_ERR_INBOUND_LATE_REPLY');
  s.release('008401');
  await within(reversed, 10_000, 'the late approval to be seen');
  const stored = 'an approval came after the POS timeout: its reversal could not be stored, sending it once without SAF';
  const line = await waitUntil(() => s.lines.find((l) => typeof l.msg === 'string' && l.msg.includes('without SAF') && l.msg !== stored), {
    timeoutMs: 10_000,
    what: 'the reversal to be sent without SAF',
  });
  assert.equal(line.msg, 'an approval came after the POS timeout: reversed without SAF');
  assert.equal(line.responseCode, '00');
  assert.deepEqual(s.bank, ['0200', '0400']);
  assert.match(String(s.bankFields[1]?.['90']), /^02000084011201120000/);
  const failed = s.lines.find((l) => l.msg === stored);
  assert.equal(failed?.level, 50, 'the failed store is logged at error');
  assert.equal(failed?.code, 'ENOSPC');
  assert.ok(!JSON.stringify(s.lines).includes('4111111111111111'), 'no PAN in the log');
  // Counted by what became of it, once known: not as stored in the SAF queue.
  assert.deepEqual(await s.outcomes(), ['sequence-timeout/reversed-without-saf=1']);
});

test('late approval – when the reversal can be neither stored nor sent, it is counted not-reversed and logged NOT reversed (never "reversed")', async (t) => {
  const s = await setup(t);
  await s.pos.request(purchase('008601')).catch(() => undefined);
  s.journal.refuseAdds = true;
  // The link goes as the store is refused: the send without SAF is refused too.
  s.journal.onRefused = () => void s.upstream.destroy();
  s.release('008601');
  const line = await waitUntil(() => s.lines.find((l) => typeof l.msg === 'string' && l.msg.endsWith('NOT reversed')), { timeoutMs: 10_000, what: 'NOT reversed to be logged' });
  assert.equal(line.level, 50);
  assert.equal(line.code, 'ISO8583_ERR_CONNECTOR_CLOSED');
  assert.ok(!s.lines.some((l) => typeof l.msg === 'string' && /: reversed( without SAF)?$/.test(l.msg)), 'never said reversed');
  assert.deepEqual(await s.outcomes(), ['sequence-timeout/not-reversed=1']);
  assert.deepEqual(s.bank, ['0200']);
});

test('late approval – the book: settled() waits for a reversal under way (underway()) until it is known neither stored nor sent (notReversed())', async (t) => {
  const s = await setup(t);
  s.journal.refuseAdds = true;
  // The link goes as the store is refused: the send without SAF is refused too.
  s.journal.onRefused = () => void s.upstream.destroy();
  assert.equal(s.book.notReversed(), 0);
  const original = purchase('008701');
  const reversing = s.book(original, { ...original, 0: '0210', 39: '00' }, s.upstream, 'client-gone', 'http');
  assert.ok(reversing instanceof Promise, 'a reversal is under way');
  // Under way: not known either way yet.
  assert.deepEqual([s.book.notReversed(), s.book.underway()], [0, 1]);
  await within(s.book.settled(), 10_000, 'the reversal to settle');
  // Settled means known: the outcome is counted by then (no wait for it).
  assert.deepEqual(await s.outcomes(), ['client-gone/not-reversed=1']);
  assert.deepEqual([s.book.notReversed(), s.book.underway()], [1, 0]);
});

test('late approval – the book: settled(waitMs) gives up after waitMs on a reversal still under way; a stored one is not counted', async (t) => {
  const s = await setup(t);
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  // The store of the reversal waits until released: still under way when the wait ends.
  const add = s.journal.add.bind(s.journal);
  s.journal.add = async (entry) => {
    await held;
    return add(entry);
  };
  const original = purchase('008801');
  const reversing = s.book(original, { ...original, 0: '0210', 39: '00' }, s.upstream, 'client-gone', 'pos');
  await within(s.book.settled(50), 10_000, 'settled(50) to give up');
  assert.deepEqual([s.book.notReversed(), s.book.underway()], [0, 1], 'still under way at the end of the wait');
  release();
  await within(Promise.resolve(reversing), 10_000, 'the reversal to be stored');
  await within(s.book.settled(), 10_000, 'the book to settle');
  assert.deepEqual([s.book.notReversed(), s.book.underway()], [0, 0], 'stored: reversed');
  assert.deepEqual(await s.outcomes(), ['client-gone/reversed=1']);
});

test('late approval – the book: an approval whose reversal cannot be built (a field that throws) is counted not reversed', async (t) => {
  const s = await setup(t);
  const original = purchase('008901');
  Object.defineProperty(original, '11', { enumerable: true, get: () => { throw new Error('no STAN for you'); } });
  const answer = { ...purchase('008901'), 0: '0210', 39: '00' };
  assert.equal(s.book(original, answer, s.upstream, 'client-gone', 'pos'), undefined);
  assert.equal(s.book.notReversed(), 1);
  assert.deepEqual(await s.outcomes(), ['client-gone/unbuildable=1']);
  assert.ok(!JSON.stringify(s.lines).includes('4111111111111111'), 'no PAN in the log');
});

test('late approval – the book: notReversedSince counts a reversal still under way at the stop as not reversed and names it at error', async (t) => {
  const s = await setup(t);
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const add = s.journal.add.bind(s.journal);
  s.journal.add = async (entry) => {
    await held;
    return add(entry);
  };
  const original = purchase('008902');
  const reversing = s.book(original, { ...original, 0: '0210', 39: '00' }, s.upstream, 'client-gone', 'pos');
  // A stop whose deadline is now: the store is still held a second later.
  assert.equal(await within(s.book.notReversedSince(0, Date.now()), 10_000, 'the stop to count'), 1);
  const line = s.lines.find((l) => typeof l.msg === 'string' && l.msg.endsWith('NOT known reversed'));
  assert.equal(line?.level, 50);
  assert.equal(line?.stan, '008902');
  assert.ok(!JSON.stringify(s.lines).includes('4111111111111111'), 'no PAN in the log');
  release();
  await within(Promise.resolve(reversing), 10_000, 'the reversal to be stored');
});
