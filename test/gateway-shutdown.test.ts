/**
 * SIGTERM with work in flight: the gateway stops accepting, every client gets its answer (or a clear failure), the
 * reversals still pending are sent and answered, and the process exits 0.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithin, startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-shutdown-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('iso8583 gateway on SIGTERM', () => {
  test('delivers the answers still in flight to every client, then exits 0', async () => {
    // The bank holds every answer until the test releases them: they are in flight when the signal arrives.
    const bank = await startBank(() => undefined);
    const held: (() => void)[] = [];
    bank.onRequest((request, write) => held.push(() => write(approve(request))));
    const gw = await startGateway([
      '--upstream', `127.0.0.1:${bank.port}`,
      '--reversal-journal', join(work, 'journal-a'),
      '--log-level', 'warn',
    ]);
    const clients = await Promise.all(Array.from({ length: 6 }, () => PosClient.open(gw.pos.host, gw.pos.port)));
    const answers = clients.map((c, i) => c.request(purchase(`STOP000${i + 1}`, 1, 100 + i)));
    const web = fetch(`http://${gw.http.host}:${gw.http.port}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Object.fromEntries(Object.entries(purchase('STOPWEB1', 1, 999)).map(([k, v]) => [k, String(v)]))),
    });
    // All 7 at the bank, none answered: stop now, and answer only once the gateway says it is draining.
    await bank.waitFor((m, i) => i === 6 && m['0'] === '0200');
    gw.process.kill('SIGTERM');
    await gw.process.waitForLine(/SIGTERM: stopping/);
    assert.equal(held.length, 7);
    for (const release of held) release();
    const results = await Promise.all(answers);
    results.forEach((answer, i) => {
      assert.equal(answer['41'], `STOP000${i + 1}`);
      assert.equal(answer['39'], '00');
    });
    const webAnswer = await web;
    assert.equal(webAnswer.status, 200);
    assert.equal(((await webAnswer.json()) as { result: Record<string, string> }).result['39'], '00');
    const exit = await gw.process.exited;
    assert.equal(exit.code, 0);
    assert.match(gw.process.stdout(), /gateway stopped/);
    // After the signal no new client is accepted.
    await assert.rejects(PosClient.open(gw.pos.host, gw.pos.port));
    await Promise.all(clients.map((c) => c.close()));
    await bank.close();
  });

  test('sends the pending reversal before exiting; the client whose request timed out got response code 68', async () => {
    let firstReversalDropped = false;
    // The bank never answers the purchase of terminal LOSTANS1 and drops the first reversal; it answers the repeat.
    const bank = await startBank((request) => {
      if (request['0'] === '0200' && request['41'] === 'LOSTANS1') return undefined;
      if (request['0'] === '0400' && !firstReversalDropped) {
        firstReversalDropped = true;
        return undefined;
      }
      return approve(request);
    });
    const gw = await startGateway([
      '--upstream', `127.0.0.1:${bank.port}`,
      '--request-timeout', '500',
      '--reversal-retry-interval', '300',
      '--reversal-journal', join(work, 'journal-b'),
      '--shutdown-deadline', '20000',
      '--log-level', 'warn',
    ]);
    const client = await PosClient.open(gw.pos.host, gw.pos.port);
    const answer = await client.request(purchase('LOSTANS1', 42, 4200));
    assert.equal(answer['39'], '68', 'the client is told the answer came too late');
    assert.equal(answer['35'], undefined, 'no track data in the gateway own answer');
    const firstReversal = await bank.waitFor((m) => m['0'] === '0400');
    assert.equal(firstReversal['41'], 'LOSTANS1');
    assert.equal(firstReversal['11'], '000042');
    // The reversal is pending (first attempt dropped): stop now.
    gw.process.kill('SIGTERM');
    const repeat = await bank.waitFor((m) => m['0'] === '0401');
    assert.equal(repeat['41'], 'LOSTANS1');
    const exit = await gw.process.exited;
    assert.equal(exit.code, 0);
    assert.match(gw.process.stdout(), /gateway stopped/);
    await client.close();
    await bank.close();
  });

  test('a second SIGTERM aborts at once: exit 1 long before a 60 s shutdown deadline, with a request held by the bank, reversed by the next start', async () => {
    let answering = false;
    // The bank takes the purchase and never answers it, until the next start.
    const bank = await startBank((request) => (answering ? approve(request) : undefined));
    const journal = join(work, 'journal-abort');
    const args = ['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', journal, '--log-level', 'warn'];
    const gw = await startGateway([...args, '--request-timeout', '60000', '--shutdown-deadline', '60000']);
    const client = await PosClient.open(gw.pos.host, gw.pos.port);
    const held = client.request(purchase('HELDTRM1', 51, 5100)).then(
      (answer) => ({ answer }),
      (err: unknown) => ({ err }),
    );
    await bank.waitFor((m) => m['0'] === '0200' && m['41'] === 'HELDTRM1');
    gw.process.kill('SIGTERM');
    await gw.process.waitForLine(/SIGTERM: stopping/);
    gw.process.kill('SIGTERM');
    const exit = await exitWithin(gw.process, 10_000, 'the gateway after a second SIGTERM');
    assert.equal(exit.code, 1, 'an aborted stop exits non-zero');
    assert.match(gw.process.stdout(), /SIGTERM again: aborting/);
    assert.match(gw.process.stdout(), /gateway aborted/);
    // The held request has one outcome: its connection closed (the abort cuts the clients first), or an answer, which
    // is 68: it was written and the bank has it (its error says sent: maybe, though its code is CLOSED); never 91, on
    // which the terminal might send the purchase again as new.
    const outcome = await held;
    if ('answer' in outcome) assert.equal(outcome.answer['39'], '68');
    await client.close();
    // Its reversal stayed in the journal: the next start sends it.
    const before = bank.received.length;
    answering = true;
    const next = await startGateway(args);
    const reversal = await bank.waitFor((m, i) => i >= before && String(m['0']).startsWith('040') && m['11'] === '000051');
    assert.match(String(reversal['90']), /^0200000051/, 'field 90 names the purchase held at the abort');
    next.process.kill('SIGTERM');
    assert.equal((await next.process.exited).code, 0);
    await bank.close();
  });

  test('a reversal pending when the gateway is killed (SIGKILL) is sent by the next start from the journal', async () => {
    let answering = false;
    const bank = await startBank((request) => (answering || request['41'] !== 'CRASHED1' ? approve(request) : undefined));
    const journal = join(work, 'journal-c');
    const args = ['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', journal, '--log-level', 'warn'];
    const first = await startGateway([...args, '--request-timeout', '400', '--reversal-retry-interval', '600000']);
    const client = await PosClient.open(first.pos.host, first.pos.port);
    assert.equal((await client.request(purchase('CRASHED1', 43, 4300)))['39'], '68');
    await bank.waitFor((m) => m['0'] === '0400' && m['11'] === '000043');
    first.process.kill('SIGKILL');
    await first.process.exited;
    const before = bank.received.length;

    answering = true;
    const second = await startGateway(args);
    const resent = await bank.waitFor((m, i) => i >= before && m['0']?.toString().startsWith('040') === true && m['11'] === '000043');
    assert.equal(resent['41'], 'CRASHED1');
    assert.match(String(resent['90']), /^0200000043/, 'field 90 names the original purchase');
    second.process.kill('SIGTERM');
    assert.equal((await second.process.exited).code, 0);
    await bank.close();
  });
});
