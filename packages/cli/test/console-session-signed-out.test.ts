// The console's signed-out sessions are remembered until they expire, and no more than MAX_ENDED_SESSIONS of them: a
// script signing in and out (a token holder) grew the list for a whole session lifetime (8 h), each sign-out also
// walking all of it. Past the cap, the oldest is forgotten and every session ending no later than it is refused: a
// sign-out is never undone. The clock is the sessions' own option (`now`), moved by the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsoleSessions, DEFAULT_SESSION_LIFETIME, MAX_ENDED_SESSIONS } from '../src/console/session.js';

const TOKEN = 'signed-out-test-token-41d2';

test('ConsoleSessions – signed-out sessions are bounded: past the cap the oldest is forgotten, and still refused', () => {
  let now = 1_800_000_000_000;
  const sessions = new ConsoleSessions(TOKEN, { now: () => now });
  const early = sessions.issue();
  now += 1;
  const ended: string[] = [];
  for (let i = 0; i < MAX_ENDED_SESSIONS + 500; i++) {
    const value = sessions.issue();
    sessions.end(value);
    ended.push(value);
    now += 1;
  }
  assert.equal(sessions.signedOut, MAX_ENDED_SESSIONS);
  // Every sign-out still holds: the forgotten ones by the floor, the others by the list.
  for (const value of [ended[0], ended[499], ended[500], ended[ended.length - 1]]) assert.equal(sessions.expiry(value), undefined);
  // A session issued before the forgotten ones ends before them: refused too (it signs in again); a new one holds.
  assert.equal(sessions.expiry(early), undefined);
  assert.equal(sessions.expiry(sessions.issue()), now + DEFAULT_SESSION_LIFETIME);
});

test('ConsoleSessions – a signed-out session is forgotten once it has expired', () => {
  let now = 1_800_000_000_000;
  const sessions = new ConsoleSessions(TOKEN, { now: () => now, lifetime: 60_000 });
  for (let i = 0; i < 100; i++) sessions.end(sessions.issue());
  assert.equal(sessions.signedOut, 100);
  now += 60_000;
  const last = sessions.issue();
  sessions.end(last);
  assert.equal(sessions.signedOut, 1, 'the expired ones forgotten at the next sign-out');
  assert.equal(sessions.expiry(last), undefined);
});
