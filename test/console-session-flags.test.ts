/**
 * The console's session flags through the real `iso8583` binary: `--console-session-lifetime` is the cookie's
 * `Max-Age` (eight hours by default), `--console-secure-cookie` marks it `Secure`, and `POST /console/logout` ends the
 * session; on the gateway (flags and config file keys) and on a flow (`iso8583 run`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { hostPort, startCli, stopAll } from './helpers/cli.js';
import { startConsoleGateway } from './helpers/console-setup.js';

const TOKEN = 'session-flags-token-55d0';
const work = mkdtempSync(join(tmpdir(), 'iso8583-session-flags-'));
/** The upstream of every gateway and flow here (in this process: the tests are about the HTTP port, not the bank). */
let bank: ScriptedBank | undefined;

before(async () => {
  bank = await startBank(approve);
});

after(async () => {
  await stopAll();
  await bank?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Signs in with `?token=`; the `Set-Cookie` header. */
async function signIn(base: string): Promise<string> {
  const res = await fetch(`${base}/console?token=${TOKEN}`, { redirect: 'manual' });
  await res.arrayBuffer();
  assert.equal(res.status, 303);
  return res.headers.get('set-cookie') ?? '';
}

/** The status of `path` with `cookie`, its body read. */
async function statusWith(base: string, path: string, cookie: string): Promise<number> {
  const res = await fetch(`${base}${path}`, { headers: { cookie } });
  await res.arrayBuffer();
  return res.status;
}

// The tests are independent (each its own gateway or flow, one bank answering all): they run together.
describe('console session flags, end to end', { concurrency: true }, () => {
  test('gateway: eight hours and not Secure by default; sign-out ends the session', async () => {
    const gw = await startConsoleGateway({ token: TOKEN, upstream: bank as ScriptedBank });
    try {
      const setCookie = await signIn(gw.base);
      assert.match(setCookie, /; Max-Age=28800; HttpOnly; SameSite=Strict$/);
      const cookie = setCookie.split(';')[0] as string;
      assert.equal(await statusWith(gw.base, '/console/api/session', cookie), 200);
      const out = await fetch(`${gw.base}/console/logout`, { method: 'POST', redirect: 'manual', headers: { cookie } });
      await out.arrayBuffer();
      assert.equal(out.status, 303);
      assert.equal(await statusWith(gw.base, '/console/api/session', cookie), 401);
      assert.equal(await statusWith(gw.base, '/console', cookie), 401, 'the sign-in form again');
    } finally {
      gw.cleanup();
    }
  });

  test('gateway: --console-session-lifetime and --console-secure-cookie, as flags and as config file keys', async () => {
    const config = join(work, 'gateway.json');
    writeFileSync(config, JSON.stringify({ consoleSessionLifetime: 60, consoleSecureCookie: true }));
    const [flags, keys] = await Promise.all([
      startConsoleGateway({ token: TOKEN, upstream: bank as ScriptedBank, extra: ['--console-session-lifetime', '15', '--console-secure-cookie'] }),
      startConsoleGateway({ token: TOKEN, upstream: bank as ScriptedBank, extra: ['--config', config] }),
    ]);
    try {
      assert.match(await signIn(flags.base), /; Max-Age=900; HttpOnly; SameSite=Strict; Secure$/);
      assert.match(await signIn(keys.base), /; Max-Age=3600; HttpOnly; SameSite=Strict; Secure$/);
    } finally {
      flags.cleanup();
      keys.cleanup();
    }
    // A bad value is refused naming the flag: packages/cli/test/gateway-flag-limits.test.ts (the flag check, in-process).
  });

  test('iso8583 run: the same flags on the flow\'s HTTP port', async () => {
    const flow = startCli(
      ['run', join(repoRoot(), 'examples', 'flows', 'payments.json'), '--http-token', TOKEN, '--console-session-lifetime', '30', '--console-secure-cookie'],
      { env: { BANK_HOST: '127.0.0.1', BANK_PORT: String((bank as ScriptedBank).port), POS_PORT: '0', STANDIN_PORT: '0', HTTP_PORT: '0' } },
    );
    const http = hostPort((await flow.waitForLine(/^http listening on (\S+)/))[1] as string);
    await flow.waitForLine(/^flow payments ready/);
    assert.match(await signIn(`http://${http.host}:${http.port}`), /; Max-Age=1800; HttpOnly; SameSite=Strict; Secure$/);
  });
});
