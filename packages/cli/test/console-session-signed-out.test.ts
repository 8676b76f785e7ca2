// The console's signed-out sessions are remembered until they expire, and no more than MAX_ENDED_SESSIONS of them: a
// script signing in and out (a token holder) grew the list for a whole session lifetime (8 h), each sign-out also
// walking all of it. Past the cap, the expired ones are forgotten (all of them: sign-outs do not come in expiry order),
// and only when live sign-outs fill it is the one ending first forgotten, every session ending no later than it then
// refused: a sign-out is never undone. The clock is the sessions' own option (`now`), moved by the test.
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

test('ConsoleSessions – at the cap, expired sign-outs behind a live one are forgotten first: a session never signed out stays live', () => {
  const hour = 3_600_000;
  const t0 = 1_800_000_000_000;
  let now = t0;
  const sessions = new ConsoleSessions(TOKEN, { now: () => now });
  const fleet = Array.from({ length: MAX_ENDED_SESSIONS - 1 }, () => sessions.issue()); // sessions of scripts, ending at 8 h
  now = t0 + 1 * hour;
  const operator = sessions.issue(); // signs in, never out: ends at 9 h
  now = t0 + 2 * hour;
  sessions.end(sessions.issue()); // in and out: its sign-out is live until 10 h, first in the list
  now = t0 + 7.9 * hour;
  for (const value of fleet) sessions.end(value); // behind it in the list, expired at 8 h
  now = t0 + 8.1 * hour;
  assert.equal(sessions.signedOut, MAX_ENDED_SESSIONS, 'the cap reached, the expired ones behind the live one');
  sessions.end(sessions.issue());
  // Before, the cap forgot the live sign-out at the head (ending at 10 h), a floor past the operator's session.
  assert.equal(sessions.signedOut, 2, 'the expired ones forgotten, the two live sign-outs kept');
  assert.equal(sessions.expiry(operator), t0 + 9 * hour, 'the operator, who never signed out, is still signed in');
});

test('ConsoleSessions – with the cap held by live sign-outs, the one ending first is forgotten (the lowest floor), not the first signed out', () => {
  const t0 = 1_800_000_000_000;
  let now = t0;
  const sessions = new ConsoleSessions(TOKEN, { now: () => now });
  const early = sessions.issue(); // ends at t0 + 8 h
  now += 1000;
  const bystander = sessions.issue(); // never signs out: ends between the two
  now += 1000;
  const late = sessions.issue(); // ends 2 s after the first
  now += 1000;
  sessions.end(late); // signed out first, ends later
  for (let i = 0; i < MAX_ENDED_SESSIONS - 2; i++) sessions.end(sessions.issue());
  sessions.end(early); // signed out last, ends first
  assert.equal(sessions.signedOut, MAX_ENDED_SESSIONS);
  sessions.end(sessions.issue());
  assert.equal(sessions.signedOut, MAX_ENDED_SESSIONS);
  for (const value of [early, late]) assert.equal(sessions.expiry(value), undefined, 'every sign-out holds');
  assert.equal(sessions.expiry(bystander), t0 + 1000 + DEFAULT_SESSION_LIFETIME, 'the floor is the earliest end, before the bystander');
});
