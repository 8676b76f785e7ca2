/**
 * The answers the gateway gives POS clients itself when the bank cannot: the response MTI is the codec's one rule
 * (jPOS setResponseMTI), so a repeat reversal (0401) is answered 0410, the MTI a terminal waits for.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, stopAll } from './helpers/cli.js';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { approve, startBank } from './helpers/bank.js';
import { PosClient } from './helpers/pos.js';
import { readEvents } from './helpers/sse.js';
import { connect } from 'node:net';
import { MessageStream, createCodec, encodeFrame } from '@iso8583/codec';

const work = mkdtempSync(join(tmpdir(), 'iso8583-own-answers-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('iso8583 gateway answering by itself', () => {
  test('a repeat reversal (0401) the bank does not answer in time gets 0410 with response code 68, not 0411', async () => {
    // The bank receives everything and answers nothing.
    const bank = await startBank(() => undefined);
    const gw = await startGateway([
      '--upstream', `127.0.0.1:${bank.port}`,
      '--request-timeout', '300',
      '--no-reversal',
      '--reversal-journal', join(work, 'journal'),
      '--log-level', 'error',
    ]);
    const client = await PosClient.open(gw.pos.host, gw.pos.port);
    const answer = await client.request({
      '0': '0401',
      '2': '4111111111111111',
      '3': '000000',
      '4': 2500,
      '7': '1121103000',
      '11': 77,
      '41': 'REPEAT01',
      '49': '840',
      '90': '020000007611211030000000000000000000000000',
    });
    const atBank = await bank.waitFor((m) => m['0'] === '0401');
    assert.equal(atBank['11'], '000077', 'the repeat went to the bank');
    assert.equal(answer['0'], '0410', 'the answer to a repeat carries the original response MTI');
    assert.equal(answer['39'], '68');
    assert.equal(answer['11'], '000077');
    assert.equal(answer['41'], 'REPEAT01');
    // The codec's one echoed set (RESPONSE_ECHOED_FIELDS), as an issuer's response: the PAN and field 90, no track data.
    assert.equal(answer['2'], '4111111111111111', 'the PAN is echoed, as a bank echoes it');
    assert.equal(answer['90'], '020000007611211030000000000000000000000000');
    // The console's outcomes show it beside the upstreams' answers (none of them a 68: no upstream answered it).
    const events = await fetch(`http://${gw.http.host}:${gw.http.port}/console/events`);
    let seen: { byResponseCode: Record<string, number>; ownAnswers?: Record<string, number> } | undefined;
    await readEvents(events, (event, data) => {
      if (event === 'figures') seen = data as typeof seen;
      return seen?.ownAnswers?.['68'] === 1;
    }, 'the own answer 68 in the console\'s figures');
    assert.equal(seen?.byResponseCode['68'], undefined);
    await client.close();
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
    await bank.close();
  });

  test('a bank down until just before the POS timeout: the terminal\'s answer and the bank\'s outcome agree (91, never an unreported approval)', async () => {
    // A port with nothing listening: the link cannot connect, the request waits for a connection.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const gw = await startGateway([
      '--upstream', `127.0.0.1:${port}`,
      '--request-timeout', '1000',
      '--reversal-journal', join(work, 'journal-down'),
      '--log-level', 'error',
    ]);
    const client = await PosClient.open(gw.pos.host, gw.pos.port);
    const purchase = (stan: number): Record<string, string | number> => ({
      '0': '0200', '2': '4111111111111111', '3': '000000', '4': 2500, '7': '1121103000', '11': stan, '41': 'DOWN0001', '49': '840',
    });
    const first = await client.request(purchase(1));
    // The relay's deadline ended before the POS timeout: never written, so "issuer or switch inoperative".
    assert.equal(first['39'], '91', 'the request that never reached the bank is answered 91, not 96');
    // The bank comes up now, when the old code still had the request waiting for a connection (and then wrote it).
    const bank = await startBank(approve, port);
    let stan = 2;
    for (;;) {
      const next = await client.request(purchase(stan));
      if (next['39'] === '00') break;
      stan++;
    }
    // Requests wait for a connection in order: a first 0200 written late would have reached the bank before this one.
    const purchases = bank.received.filter((m) => m['0'] === '0200').map((m) => m['11']);
    assert.ok(!purchases.includes('000001'), `the 0200 answered 91 never reached the bank (the bank saw ${purchases.join(', ')})`);
    await client.close();
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
    await bank.close();
  });

  test('a terminal repeating a request in flight: every repeat is answered 94, the warnings are capped at 20 a second', async () => {
    const bank = await startBank(() => undefined);
    const gw = await startGateway([
      '--upstream', `127.0.0.1:${bank.port}`,
      '--request-timeout', '30000',
      '--no-reversal',
      '--reversal-journal', join(work, 'journal-repeats'),
      '--log-level', 'warn',
    ]);
    const codec = createCodec('iso87ascii');
    const socket = connect({ host: gw.pos.host, port: gw.pos.port });
    const answers: string[] = [];
    let all: () => void = () => undefined;
    const REPEATS = 300;
    const done = new Promise<void>((resolve) => (all = resolve));
    const stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
      frame: (frame) => {
        answers.push(String(stream.decode(frame).message['39']));
        if (answers.length === REPEATS) all();
      },
    });
    const frame = encodeFrame(codec.pack({ '0': '0200', '2': '4111111111111111', '3': '000000', '4': 2500, '7': '1121103000', '11': 5, '41': 'REPEATS1', '49': '840' }), { lengthHeader: 'binary2' });
    stream.write(frame);
    await bank.waitFor((m) => m['11'] === '000005');
    const started = performance.now();
    for (let i = 0; i < REPEATS; i++) stream.write(frame);
    await done;
    const seconds = Math.ceil((performance.now() - started) / 1000);
    assert.deepEqual([...new Set(answers)], ['94'], 'every repeat is answered 94 by the gateway');
    // Every line the gateway wrote (synchronously, to standard error) is read once the process has closed its pipes.
    socket.destroy();
    const closed = new Promise((resolve) => gw.process.child.once('close', resolve));
    gw.process.kill('SIGKILL');
    await closed;
    const warnings = gw.process.stderr().split('\n').filter((line) => line.includes('answered by the gateway'));
    assert.ok(warnings.length >= 1 && warnings.length <= 20 * (seconds + 1), `${warnings.length} warnings for ${REPEATS} repeats in ${seconds} s`);
    for (const line of warnings) assert.match(line, /"code":"ISO8583_ERR_CONNECTOR_DUPLICATE_KEY"/);
    await bank.close();
  });
});
