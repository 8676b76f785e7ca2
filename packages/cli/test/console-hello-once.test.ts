// Each console event stream starts with a hello (the figures' history and the response codes' meanings: ~130 KB of
// JSON). It was stringified anew for every stream that connected; it is written once a tick now, however many
// streams connect in it (and again when the targets change). Real parts: the console on 127.0.0.1 port 0, raw HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import fastify from 'fastify';
import { within } from '@iso8583/test-support';
import { TransactionRing } from '../src/index.js';
import { mountConsole } from '../src/console/routes.js';

/** The data of the first `hello` event of a new event stream on `port`; the response is kept in `open`. */
function hello(port: number, open: IncomingMessage[]): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/console/events' }, (res) => {
      open.push(res);
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        const found = /event: hello\ndata: (.*)\n\n/.exec(text);
        if (found !== null) resolve(found[1] as string);
      });
    }).on('error', reject);
  });
}

test('console – two event streams connecting in one tick get one hello text, stringified once', async (t) => {
  const app = fastify();
  let targets: Record<string, never> = {};
  // One tick at listen, the next in an hour: every connect below falls in the first.
  mountConsole(app, { ring: new TransactionRing(), source: { connectors: () => ({}) }, targets: () => targets, tick: 3_600_000 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const open: IncomingMessage[] = [];
  t.after(async () => {
    for (const res of open) res.destroy();
    await app.close();
  });
  const port = (app.server.address() as { port: number }).port;

  // Counts the hellos stringified (the object with the response codes' meanings and the history).
  const stringify = JSON.stringify;
  let hellos = 0;
  JSON.stringify = function (this: unknown, value: unknown, ...rest: unknown[]) {
    if (value !== null && typeof value === 'object' && 'responseCodes' in value && 'history' in value) hellos += 1;
    return (stringify as (...args: unknown[]) => string).call(this, value, ...rest);
  } as typeof JSON.stringify;
  t.after(() => (JSON.stringify = stringify));

  const first = await within(hello(port, open), 10_000, 'the first stream\'s hello');
  const second = await within(hello(port, open), 10_000, 'the second stream\'s hello');
  assert.equal(second, first);
  assert.equal(hellos, 1, 'the hello was stringified once for two streams in one tick');
  assert.equal((JSON.parse(first) as { history: unknown[] }).history.length, 1);

  // The targets changed: the next stream is told them.
  targets = { bank: undefined as never };
  const third = await within(hello(port, open), 10_000, 'the third stream\'s hello');
  assert.deepEqual((JSON.parse(third) as { targets: string[] }).targets, ['bank']);
  assert.equal(hellos, 2);
});
