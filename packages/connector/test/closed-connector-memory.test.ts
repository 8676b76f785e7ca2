// Connectors made, used and closed one after the other (a test suite, a flow runner) can be collected as soon as they
// are closed: the grace timer of a connection's end (Channel.end: a host that never closes its side is cut after a
// moment) goes with the socket, so it no longer keeps each closed connector (about 60 KB) for that moment. Counted by
// weak references in a child process run with --expose-gc, not by timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

test('closed connectors – 40 made, used and closed one after the other are all collectable at once', async () => {
  const connector = JSON.stringify(new URL('../src/index.js', import.meta.url).href);
  const peer = JSON.stringify(new URL('./peer.js', import.meta.url).href);
  const script = `
const { setImmediate: nextTurn } = await import('node:timers/promises');
const { createConnector } = await import(${connector});
const { answer, purchase, startPeer } = await import(${peer});
const host = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
const refs = [];
// In a function of its own: the suspended module body would keep the last connector in its registers.
const churn = async () => {
  for (let i = 0; i < 40; i++) {
    const c = createConnector({ host: '127.0.0.1', port: host.port });
    refs.push(new WeakRef(c));
    const response = await c.request(purchase(String(i + 1).padStart(6, '0')));
    if (response['39'] !== '00') throw new Error('not approved');
    await c.close();
  }
};
await churn();
for (let i = 0; i < 10; i++) { await nextTurn(); gc(); }
const alive = refs.filter((r) => r.deref() !== undefined).length;
await host.close();
process.stdout.write(JSON.stringify({ alive }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(stdout), { alive: 0 });
});
