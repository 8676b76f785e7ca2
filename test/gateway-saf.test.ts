/**
 * Store and forward through the real `iso8583 gateway`: an advice posted with `?saf=true` is answered 202 at once and
 * delivered in the background (repeated as 0221 until answered, ended by the `--saf-end-codes`), SAF depth shows in
 * `/stats` and `/metrics`, a restart resumes what the journal holds, `--saf-expire-after` gives up with a coded log
 * line, and `saf` on a 0200 is refused with a coded error.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import { waitUntil } from '@iso8583/test-support';

const work = mkdtempSync(join(tmpdir(), 'iso8583-gateway-saf-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** A completion advice (0220), as a web client posts it. */
function advice(stan: string): Record<string, string> {
  return { '0': '0220', '2': '4111111111111111', '3': '000000', '4': '000000002500', '7': '1121103000', '11': stan, '41': 'SAFTERM1', '49': '840' };
}

async function post(base: string, path: string, body: unknown): Promise<{ status: number; body: { result: { saf?: boolean; id?: string } | null; errors: { code: string; field?: string }[] } }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as never };
}

type Stats = { upstream: { safDepth: number; safDelivered: number; safExpired: number } };

async function stats(base: string): Promise<Stats> {
  return (await (await fetch(`${base}/stats`)).json()) as Stats;
}

describe('iso8583 gateway: store and forward', () => {
  test('an advice posted with ?saf=true is answered 202, repeated as 0221 until answered with an end code', async () => {
    // The bank drops the first advice and answers the repeat with 94 (duplicate), one of --saf-end-codes.
    const bank = await startBank((request) => {
      if (request['0'] === '0220') return undefined;
      if (request['0'] === '0221') return { ...approve(request), '39': '94' };
      return approve(request);
    });
    const gw = await startGateway([
      '--upstream', `127.0.0.1:${bank.port}`,
      '--reversal-journal', join(work, 'journal-a'),
      '--saf-retry-interval', '300',
      '--saf-end-codes', '94,12',
      '--saf-expire-after', '60000',
      '--log-level', 'warn',
    ]);
    const base = `http://${gw.http.host}:${gw.http.port}`;
    const stored = await post(base, '/?saf=true', advice('300001'));
    assert.equal(stored.status, 202);
    assert.equal(stored.body.result?.saf, true);
    assert.equal(typeof stored.body.result?.id, 'string');
    await bank.waitFor((m) => m['0'] === '0221' && m['11'] === '300001');
    const after = await waitUntil(async () => ((await stats(base)).upstream.safDelivered === 1 ? stats(base) : undefined), { what: 'the advice delivered' });
    assert.equal(after.upstream.safDepth, 0);
    assert.deepEqual(bank.received.filter((m) => m['11'] === '300001').map((m) => m['0']), ['0220', '0221']);

    // saf on a 0200 is refused, naming saf.
    const refused = await post(base, '/', { ...advice('300002'), '0': '0200', saf: true });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_SAF');
    assert.equal(refused.body.errors[0]?.field, 'saf');
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
    await bank.close();
  });

  test('SAF depth shows in /stats and /metrics while the bank is down, and a restart delivers the advice', async () => {
    // Nothing listens on the first upstream's port: the advice waits in the journal.
    const gone = await startBank(() => undefined);
    const downPort = gone.port;
    await gone.close();
    const journal = join(work, 'journal-b');
    const first = await startGateway(['--upstream', `127.0.0.1:${downPort}`, '--reversal-journal', journal, '--shutdown-deadline', '1000', '--log-level', 'warn']);
    const base = `http://${first.http.host}:${first.http.port}`;
    const stored = await post(base, '/', { ...advice('300101'), saf: true });
    assert.equal(stored.status, 202);
    assert.equal((await stats(base)).upstream.safDepth, 1);
    assert.match(await (await fetch(`${base}/metrics`)).text(), /^iso8583_connector_saf_depth\{connector="upstream"\} 1$/m);
    first.process.kill('SIGTERM');
    assert.equal((await first.process.exited).code, 0);

    // The next start (the bank now up again at its address) resumes it from the journal (a journal owing entries to
    // another upstream is refused: journal-upstream.ts).
    const bank = await startBank((request) => approve(request), downPort);
    const second = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', journal, '--log-level', 'warn']);
    const delivered = await bank.waitFor((m) => m['11'] === '300101');
    assert.match(String(delivered['0']), /^022[01]$/);
    assert.equal(delivered['4'], '000000002500');
    const base2 = `http://${second.http.host}:${second.http.port}`;
    await waitUntil(async () => (await stats(base2)).upstream.safDelivered === 1, { what: 'the resumed advice delivered' });
    assert.equal((await stats(base2)).upstream.safDepth, 0);
    assert.match(await (await fetch(`${base2}/metrics`)).text(), /^iso8583_connector_saf_depth\{connector="upstream"\} 0$/m);
    second.process.kill('SIGTERM');
    assert.equal((await second.process.exited).code, 0);
    await bank.close();
  });

  test('--saf-expire-after gives an unanswered advice up with ISO8583_WARN_SAF_EXPIRED', async () => {
    const bank = await startBank((request) => (request['0'] === '0220' || request['0'] === '0221' ? undefined : approve(request)));
    const gw = await startGateway([
      '--upstream', `127.0.0.1:${bank.port}`,
      '--reversal-journal', join(work, 'journal-c'),
      '--saf-retry-interval', '100',
      '--saf-expire-after', '400',
      '--log-level', 'warn',
    ]);
    const base = `http://${gw.http.host}:${gw.http.port}`;
    assert.equal((await post(base, '/?saf=true', advice('300201'))).status, 202);
    await waitUntil(async () => (await stats(base)).upstream.safExpired === 1, { what: 'the advice expired' });
    const logs = gw.process.stdout() + gw.process.stderr();
    assert.match(logs, /"code":"ISO8583_WARN_SAF_EXPIRED"/);
    assert.doesNotMatch(logs, /4111111111111111/);
    assert.equal((await stats(base)).upstream.safDepth, 0);
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
    await bank.close();
  });

  test('SAF flags are checked like every flag: a bad --saf-end-codes is refused naming it', async () => {
    const gw = startGateway(['--upstream', '127.0.0.1:1', '--reversal-journal', join(work, 'journal-d'), '--saf-end-codes', '9,x']);
    await assert.rejects(gw, /saf-end-codes/);
  });
});
