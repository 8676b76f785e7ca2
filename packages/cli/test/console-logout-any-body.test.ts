// `POST /console/logout` signs out whatever its body: with SocketQueue's names (whose parsers read every body) a JSON
// body that did not parse was answered 400 ISO8583_ERR_CONSOLE_INPUT and the session stayed live; a form over 4 KB 413
// the same. A sign-out reads no body now: 303 to the form, the cookie cleared, the session refused from then on.
// The real binary (a SocketQueue gateway with a token) on 127.0.0.1.
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePort, within } from '@iso8583/test-support';
import { BIN, seen } from './cli-process.js';

const TOKEN = 'logout-any-body-5d2a91';
const FORM = 'application/x-www-form-urlencoded';

test('console sign-out (SocketQueue names): a body that does not parse, too large or of any type still signs out', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-logout-any-body-'));
  // SocketQueue's listenHttpPort 0 means off (as in SocketQueue): a reserved port.
  const http = await reservePort();
  t.after(() => http.release());
  const args = ['gateway', '--upstream', '127.0.0.1:9', '--listenPort', '0', '--listenHttpPort', String(http.port), '--http-token', TOKEN, '--reversal-journal', join(dir, 'journal')];
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ready = await within(seen(child.stdout, /gateway listening .* http=(\S+)\n/), 20_000, 'the gateway to listen');
  const base = `http://${ready[1] ?? ''}`;
  const session = async (cookie: string): Promise<number> => {
    const res = await fetch(`${base}/console/api/session`, { headers: { cookie } });
    await res.arrayBuffer();
    return res.status;
  };
  const bodies: { type: string; body: string }[] = [
    { type: 'application/json', body: '{"not json' },
    { type: FORM, body: `token=${'x'.repeat(5000)}` },
    { type: 'application/xml', body: '<logout/>' },
    { type: 'application/json', body: '{}' },
  ];
  for (const { type, body } of bodies) {
    const signIn = await fetch(`${base}/console/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': FORM }, body: `token=${TOKEN}` });
    await signIn.arrayBuffer();
    assert.equal(signIn.status, 303);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    assert.equal(await session(cookie), 200, 'signed in');
    const out = await fetch(`${base}/console/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': type }, body });
    const text = await out.text();
    assert.equal(out.status, 303, `${type} ${body.slice(0, 20)}: ${text}`);
    assert.equal(out.headers.get('location'), '/console');
    assert.match(out.headers.get('set-cookie') ?? '', /^iso8583_console_[0-9]+=; Path=\/; Max-Age=0;/, 'the browser drops the cookie');
    assert.equal(await session(cookie), 401, `${type}: the session is ended`);
  }
});
