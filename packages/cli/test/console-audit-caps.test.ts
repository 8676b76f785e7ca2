// The console's sign-in lines (audit.ts) that any client can cause are capped: refused sign-ins, and sign-outs that
// held no session (anyone may post /console/logout), at SIGN_IN_REFUSED_LINES_PER_SECOND a second each; a sign-in and
// a sign-out that ended a session are always written. The gateway's lines themselves: test/console-audit.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { SIGN_IN_REFUSED_LINES_PER_SECOND, SignInLog } from '../src/console/audit.js';

test('console audit – a flood of refused sign-ins and empty sign-outs is capped; real sign-ins and sign-outs are not', () => {
  const lines: Record<string, unknown>[] = [];
  const log = new SignInLog(pino({ level: 'info' }, { write: (text: string) => void lines.push(JSON.parse(text) as Record<string, unknown>) }));
  for (let i = 0; i < 1000; i++) {
    log.refused('192.0.2.7', 'form', 'wrong token');
    log.signedOut('192.0.2.7', false);
  }
  for (let i = 0; i < 50; i++) {
    log.signedIn('192.0.2.8', 'form');
    log.signedOut('192.0.2.8', true);
  }
  const count = (code: string, more: (l: Record<string, unknown>) => boolean = () => true) => lines.filter((l) => l.code === code && more(l)).length;
  // Within one second, or two should the loop cross a second's edge.
  const refused = count('ISO8583_INFO_CONSOLE_SIGN_IN_REFUSED');
  assert.ok(refused >= SIGN_IN_REFUSED_LINES_PER_SECOND && refused <= 2 * SIGN_IN_REFUSED_LINES_PER_SECOND, String(refused));
  const empty = count('ISO8583_INFO_CONSOLE_SIGN_OUT', (l) => l.ended === false);
  assert.ok(empty >= SIGN_IN_REFUSED_LINES_PER_SECOND && empty <= 2 * SIGN_IN_REFUSED_LINES_PER_SECOND, String(empty));
  assert.equal(count('ISO8583_INFO_CONSOLE_SIGN_IN'), 50);
  assert.equal(count('ISO8583_INFO_CONSOLE_SIGN_OUT', (l) => l.ended === true), 50);
  assert.ok(lines.every((l) => l.level === 30), 'info');
});
