import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { within } from '@iso8583/test-support';
import { DeadlineList } from '../src/deadlines.js';
import type { Timed } from '../src/deadlines.js';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';

interface Entry extends Timed {
  name: string;
  added: number;
}

const entry = (name: string): Entry => ({ name, added: 0, deadline: 0, before: undefined, after: undefined, listed: false });

test('deadlines – entries expire in the order they were added, none before its timeout; a removed one never', async () => {
  const expired: string[] = [];
  const last = gate();
  const list = new DeadlineList<Entry>(30, (e) => {
    // Never early: at or past the deadline, at least the timeout after it was added.
    assert.ok(performance.now() >= e.deadline, `${e.name} expired before its deadline`);
    assert.ok(performance.now() - e.added >= 29, `${e.name} expired before its timeout`);
    assert.equal(e.listed, false);
    expired.push(e.name);
    if (e.name === 'd') last.open();
  });
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(entry) as [Entry, Entry, Entry, Entry];
  for (const e of [a, b, c]) {
    e.added = performance.now();
    list.add(e);
  }
  list.remove(b);
  list.remove(b); // twice: nothing
  list.remove(a); // the first one, whose deadline the timer was armed for: c and d still expire, each on time
  d.added = performance.now();
  list.add(d);
  await within(last.promise, 5_000, 'the last entry did not expire');
  // b and a were removed before their deadlines, and c, added before d, went first.
  assert.deepEqual(expired, ['c', 'd']);
});

test('deadlines – the sequence timeout spares the messages answered in time on the same connection, and a late answer is dropped', async (t) => {
  const held = gate<void>();
  const sequence: Sequence = async (m) => {
    // STAN 1 is held until after its timeout; every other message is answered at once.
    if (m.fields['11'] === '000001') await held.promise;
    return { 0: '0210', 11: m.fields['11'] as string, 39: m.fields['11'] === '000001' ? '05' : '00' };
  };
  const { port, endpoint } = await startEndpoint(t, { sequence, sequenceTimeout: 50 });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  client.send(purchase(2));
  // Answered in time (added to the deadline list after STAN 1, removed before it): 00, and never a 96 later.
  const inTime = await within(client.reply(), 5_000, 'no reply to STAN 2');
  assert.equal(inTime.fields['11'], '000002');
  assert.equal(inTime.fields['39'], '00');
  const timedOut = await within(client.reply(), 5_000, 'STAN 1 did not time out');
  assert.equal(timedOut.fields['11'], '000001');
  assert.equal(timedOut.fields['39'], '96');
  held.open();
  // The next reply on the connection is the next message's: neither STAN 1's late answer nor a second one for STAN 2.
  const next = await within(client.request(purchase(3)), 5_000, 'no reply to STAN 3');
  assert.equal(next.fields['11'], '000003');
  assert.equal(next.fields['39'], '00');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT, 1);
  assert.equal(endpoint.stats().replies, 3);
});

test('deadlines – an expiry that throws leaves the timer armed: the entries after it still expire', async () => {
  // In a child process: the throw leaves the timer's callback as an uncaught exception, which the test runner would
  // count against this test; the child's own handler records it. Real timers; the child ends when b expires (its
  // ref'd 10 s timer is only the deadline that reports a list that stopped).
  const list = new URL('../src/deadlines.js', import.meta.url).href;
  const script = `
    import { DeadlineList } from ${JSON.stringify(list)};
    const expired = [];
    const thrown = [];
    const report = (extra) => { console.log(JSON.stringify({ expired, thrown, ...extra })); process.exit(0); };
    const deadline = setTimeout(() => report({ stuck: true }), 10000);
    process.on('uncaughtException', (err) => thrown.push(err.message));
    const list = new DeadlineList(10, (e) => {
      expired.push(e.name);
      if (e.name === 'a') throw new Error('expiry of a failed');
      clearTimeout(deadline);
      report({});
    });
    const entry = (name) => ({ name, deadline: 0, before: undefined, after: undefined, listed: false });
    list.add(entry('a'));
    list.add(entry('b'));
  `;
  const out = await within(
    new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], (err, stdout) => (err === null ? resolve(stdout) : reject(err))),
    ),
    20_000,
    'the child to report',
  );
  assert.deepEqual(JSON.parse(out), { expired: ['a', 'b'], thrown: ['expiry of a failed'] });
});
