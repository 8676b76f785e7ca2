/**
 * Every example runs: the Fastify application (connector + inbound endpoint plugins), the mediation script (run as a
 * real process) and the authorising sequence, against a real host simulator on a real socket.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dialectFromJson } from '@iso8583/codec';
import { createConnector, owedInJournalSync } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { InboundEndpoint, InboundMessage, Sequence, SequenceContext } from '@iso8583/inbound';
import { repoRoot, within } from '@iso8583/test-support';
import { buildApp } from '../fastify-app.js';
import { LATE_PAN, httpPurchaseAtBank, journalFolder, lateBankApp, posPurchaseAtBank } from './late-bank.js';
import { mediate } from '../mediation.js';
import authorise, { FLOOR_LIMIT } from '../sequences/authorise.js';
import onError from '../sequences/on-error.js';

const run = promisify(execFile);
let bank: InboundEndpoint;
let bankPort: number;

before(async () => {
  bank = createInboundEndpoint({ name: 'bank', port: 0, sequence: createHostSimulator() });
  bankPort = (await bank.start()).port;
});

after(async () => {
  await bank.close({ deadline: 1000 });
});

describe('examples', () => {
  test('the Fastify app answers over HTTP (POST /bank/) and to binary POS clients (inbound plugin)', async (t) => {
    const journalDir = journalFolder();
    const app = await buildApp({ bankPort, journalDir });
    // One hook, in order: the journal folder goes once nothing writes to it.
    t.after(async () => {
      await app.close();
      rmSync(journalDir, { recursive: true, force: true });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address() as { port: number };

    const res = await fetch(`http://127.0.0.1:${address.port}/bank/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ '0': '0200', '2': '4111111111111111', '3': '000000', '4': '500', '11': '12', '14': '3012', '41': 'APPTERM1', '49': '840' }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { result: Record<string, string> };
    assert.equal(body.result['0'], '0210');
    assert.equal(body.result['39'], '00');

    const posPort = app.inbound.pos?.address()?.port;
    assert.ok(posPort !== undefined && posPort > 0);
    const terminal = createConnector({ name: 'terminal', host: '127.0.0.1', port: posPort, requestTimeout: 10_000 });
    t.after(() => terminal.close());
    const answer = await terminal.request({ '0': '0200', '2': '5500000000000004', '3': '000000', '4': 700, '11': 13, '14': '3012', '41': 'APPTERM2', '49': '840' });
    assert.equal(answer['0'], '0210');
    assert.equal(answer['41'], 'APPTERM2');
    assert.equal(answer['39'], '00');

    // The simulator approves a balance inquiry (0100, processing code 31) on a known card and reports the balance.
    const balance = await fetch(`http://127.0.0.1:${address.port}/balance/APPTERM3`);
    assert.equal(balance.status, 200);
    const inquiry = (await balance.json()) as { responseCode: unknown; balance: unknown };
    assert.equal(inquiry.responseCode, '00');
    const bad = await fetch(`http://127.0.0.1:${address.port}/balance/NOT-A-TERMINAL`);
    assert.equal(bad.status, 400, 'a terminal id that is not 1-8 letters or digits is refused');
  });

  test('the Fastify app tells a POS terminal 68 for a purchase the bank answers too late, and reverses it there', async (t) => {
    const late = await lateBankApp(t, '000021');
    await late.app.ready();
    const posPort = late.app.inbound.pos?.address()?.port;
    assert.ok(posPort !== undefined && posPort > 0);
    const terminal = createConnector({ name: 'terminal', host: '127.0.0.1', port: posPort, requestTimeout: 10_000 });
    t.after(() => terminal.close());
    const answer = await terminal.request({ '0': '0200', '2': LATE_PAN, '3': '000000', '4': 2500, '11': 21, '14': '3012', '41': 'APPTERM4', '49': '840' });
    late.clientAnswered();
    assert.equal(answer['0'], '0210');
    assert.equal(answer['39'], '68', 'the bank may hold it: response received too late (68), the connector reverses it');
    await within(late.reversed, 10_000, 'no reversal of STAN 000021 reached the bank: the terminal was told 68, the bank kept the debit');
    assert.equal(late.balance(), 1_000_000, 'the bank holds no debit the terminal was told failed');
  });

  test('the Fastify app answers POST /bank/ 504 for a purchase the bank answers too late, and reverses it there', async (t) => {
    const late = await lateBankApp(t, '000022');
    await late.app.listen({ host: '127.0.0.1', port: 0 });
    const address = late.app.server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${address.port}/bank/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ '0': '0200', '2': LATE_PAN, '3': '000000', '4': '2500', '11': '22', '14': '3012', '41': 'APPTERM5', '49': '840' }),
    });
    late.clientAnswered();
    assert.equal(res.status, 504, await res.text());
    await within(late.reversed, 10_000, 'no reversal of STAN 000022 reached the bank: the client was told 504, the bank kept the debit');
    assert.equal(late.balance(), 1_000_000, 'the bank holds no debit the client was told failed');
  });

  test('the Fastify app reverses a purchase the bank approves after its POS terminal reset its socket', async (t) => {
    // The bank answers within the connector's requestTimeout (no timeout reversal): only the client is gone.
    const late = await lateBankApp(t, '000023', 10_000);
    await late.app.ready();
    // The bank approves once the endpoint has seen the terminal's socket close: its approval finds the client gone.
    const terminal = await posPurchaseAtBank(t, late, 23, 'APPTERM6');
    // A reset (RST): the endpoint's side closes at once (a FIN alone would leave it half open, waiting to write).
    terminal.resetAndDestroy();
    await within(late.reversed, 10_000, 'no reversal of STAN 000023 reached the bank: its terminal never got the approval, the bank kept the debit');
    assert.equal(late.balance(), 1_000_000, 'the bank holds no debit its terminal never got');
  });

  test('the Fastify app reverses a purchase the bank approves after its POST /bank/ was aborted', async (t) => {
    const late = await lateBankApp(t, '000024', 10_000);
    // The bank approves once the server has seen the client's connection close: its approval finds the client gone.
    const { res, abort } = await httpPurchaseAtBank(late, '24', 'APPTERM7');
    abort();
    await assert.rejects(res, { name: 'AbortError' });
    await within(late.reversed, 10_000, 'no reversal of STAN 000024 reached the bank: its HTTP client never got the approval, the bank kept the debit');
    assert.equal(late.balance(), 1_000_000, 'the bank holds no debit its client never got');
  });

  test('the Fastify app never reverses a balance inquiry the bank does not answer (GET /balance/:terminal)', async (t) => {
    const seen: string[] = [];
    const simulator = createHostSimulator();
    const sequence: Sequence = async (message, context) => {
      seen.push(message.mti);
      return message.mti === '0100' ? undefined : simulator(message, context);
    };
    const silentBank = createInboundEndpoint({ name: 'silent-bank', port: 0, sequence });
    const port = (await silentBank.start()).port;
    const journalDir = journalFolder();
    const app = await buildApp({ bankPort: port, journalDir, requestTimeout: 300 });
    t.after(async () => {
      await silentBank.close({ deadline: 1000 });
      rmSync(journalDir, { recursive: true, force: true });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address() as { port: number };
    const balance = await fetch(`http://127.0.0.1:${address.port}/balance/APPTERM8`);
    assert.ok(balance.status >= 500, `the inquiry failed: ${balance.status} ${await balance.text()}`);
    // A purchase after it, on the bank connector: any reversal of the inquiry would be sent before or with it.
    const res = await fetch(`http://127.0.0.1:${address.port}/bank/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ '0': '0200', '2': '4111111111111111', '3': '000000', '4': '500', '11': '25', '14': '3012', '41': 'APPTERM8', '49': '840' }),
    });
    assert.equal(res.status, 200, await res.text());
    await app.close();
    assert.deepEqual(seen.filter((mti) => mti.startsWith('04')), [], 'an inquiry moves no money: never reversed');
    assert.equal(owedInJournalSync(journalDir).owed, 0, 'no reversal of the inquiry is owed in the journal either');
  });

  test('the mediation script sends ISOMessage XML and prints the XML answer (run as a process)', async () => {
    const script = join(repoRoot(), 'examples', 'dist', 'mediation.js');
    const { stdout } = await run(process.execPath, [script], { env: { ...process.env, BANK_PORT: String(bankPort) } });
    assert.match(stdout, /<ISOMessage>/);
    assert.match(stdout, /<field id="0">0210<\/field>/);
    assert.match(stdout, /<field id="39">00<\/field>/);
    const xml = await mediate('127.0.0.1', bankPort, 2, 2500);
    assert.match(xml, /<field id="11">000002<\/field>/);
  });

  test('the authorising sequence approves up to the floor limit, declines above with 61, answers echo tests', () => {
    const context = { logger: { info: () => undefined } } as unknown as SequenceContext;
    const message = (fields: Record<string, string>): InboundMessage =>
      ({ fields, mti: fields['0'], xml: '', raw: Buffer.alloc(0), header: Buffer.alloc(0) }) as InboundMessage;
    const small = authorise(message({ '0': '0200', '4': String(FLOOR_LIMIT).padStart(12, '0'), '11': '000001', '41': 'T1' }), context);
    assert.equal(small?.['0'], '0210');
    assert.equal(small?.['39'], '00');
    assert.equal(small?.['2'], undefined, 'the PAN is not echoed');
    const big = authorise(message({ '0': '0100', '4': String(FLOOR_LIMIT + 1).padStart(12, '0'), '11': '000002', '41': 'T1' }), context);
    assert.equal(big?.['0'], '0110');
    assert.equal(big?.['39'], '61');
    const echo = authorise(message({ '0': '0800', '11': '000003', '70': '301' }), context);
    assert.deepEqual([echo?.['0'], echo?.['39'], echo?.['70']], ['0810', '00', '301']);
  });

  test('the authorising sequence answers a repeat reversal 0401 with 0410 (refused, 12) and a response with nothing', () => {
    const context = { logger: { info: () => undefined } } as unknown as SequenceContext;
    const message = (fields: Record<string, string>): InboundMessage =>
      ({ fields, mti: fields['0'], xml: '', raw: Buffer.alloc(0), header: Buffer.alloc(0) }) as InboundMessage;
    const repeat = authorise(message({ '0': '0401', '11': '000004', '41': 'T1' }), context);
    assert.deepEqual([repeat?.['0'], repeat?.['39'], repeat?.['11']], ['0410', '12', '000004']);
    assert.equal(authorise(message({ '0': '0210', '11': '000005', '41': 'T1' }), context), undefined);
  });

  test('the onError sequence answers 91 for a request that never reached the bank, 68 for one that may have, 96 otherwise, with the response MTI of a repeat', () => {
    const context = (code: string, cause?: unknown): SequenceContext =>
      ({ logger: { warn: () => undefined }, error: { code, cause } }) as unknown as SequenceContext;
    const message = (fields: Record<string, string>): InboundMessage =>
      ({ fields, mti: fields['0'], xml: '', raw: Buffer.alloc(0), header: Buffer.alloc(0) }) as InboundMessage;
    const down = onError(message({ '0': '0401', '11': '000006', '41': 'T1', '2': '4111111111111111' }), context('ISO8583_ERR_CONNECTOR_CLOSED'));
    assert.deepEqual([down?.['0'], down?.['39'], down?.['11'], down?.['2']], ['0410', '91', '000006', undefined]);
    const broken = onError(message({ '0': '0200', '11': '000007', '41': 'T1' }), context('ISO8583_ERR_SEQUENCE_TIMEOUT'));
    assert.deepEqual([broken?.['0'], broken?.['39']], ['0210', '96']);
    // The connector's error, wrapped by the inbound endpoint (SEQUENCE_FAILED, its cause): written and lost, or not.
    const failed = (cause: unknown): SequenceContext => context('ISO8583_ERR_INBOUND_SEQUENCE_FAILED', cause);
    const timedOut = onError(message({ '0': '0200', '11': '000008', '41': 'T1' }), failed({ code: 'ISO8583_ERR_CONNECTOR_TIMEOUT', sent: 'maybe' }));
    assert.equal(timedOut?.['39'], '68', 'written, no answer: the bank may have it (reversed), never 91');
    const lostUnsent = onError(message({ '0': '0200', '11': '000009', '41': 'T1' }), failed({ code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST', sent: 'no' }));
    assert.equal(lostUnsent?.['39'], '91', 'never written: not at the bank');
    // In the endpoint's dialect's code (responseCodeIn): a 1993 MTI's action code; a jPOS CMF field 39 of 4 characters
    // its answerCodes (a bare 68 went out as 0068, an approval there).
    assert.equal(onError(message({ '0': '1200', '11': '000010', '41': 'T1' }), failed({ code: 'ISO8583_ERR_CONNECTOR_TIMEOUT', sent: 'maybe' }))?.['39'], '911');
    const cmf = dialectFromJson({ name: 'cmf', extends: 'iso87ascii', fields: { '39': { type: 'n', length: 4 } }, approvalCodes: ['0000'], answerCodes: { '30': '9002', '68': '9009', '91': '9001', '94': '9003', '96': '9004' } });
    const inCmf = (cause: unknown): SequenceContext => ({ ...failed(cause), dialect: cmf }) as SequenceContext;
    assert.equal(onError(message({ '0': '2200', '11': '000011', '41': 'T1' }), inCmf({ code: 'ISO8583_ERR_CONNECTOR_TIMEOUT', sent: 'maybe' }))?.['39'], '9009');
    assert.equal(onError(message({ '0': '2200', '11': '000012', '41': 'T1' }), inCmf({ code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST', sent: 'no' }))?.['39'], '9001');
  });
});
