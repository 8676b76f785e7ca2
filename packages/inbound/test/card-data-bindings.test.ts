// What a sequence gives its logger besides a log call's arguments: bindings set on it later (`setBindings`) and a
// child's options (`msgPrefix`) reach every line it writes, so the card data in them is masked as in the arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';

const PAN = '4761739001010010';
const TRACK2 = `${PAN}=25121011234567890`;

test('card data – bindings set on the sequence logger (setBindings) and a child\'s message prefix are masked', async (t) => {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  const sequence: Sequence = (m, context) => {
    const f = m.fields as Record<string, string>;
    context.logger.setBindings({ card: f['2'], track: f['35'] });
    context.logger.info('bound');
    context.logger.child({}, { msgPrefix: `[${f['2']!}] ` }).info('prefixed');
    return { 0: '0210', 11: f['11']!, 39: '00' };
  };
  const { port, endpoint } = await startEndpoint(t, { logger: pino({ level: 'info' }, stream), sequence });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await client.request(purchase(1, { 2: PAN, 35: TRACK2 }));
  assert.equal(reply.fields['39'], '00');
  await endpoint.close();
  const bytes = Buffer.concat(chunks).toString('latin1');
  assert.match(bytes, /"msg":"bound"/);
  assert.match(bytes, /prefixed/);
  for (const secret of [PAN, '25121011234567890', PAN.slice(6, 12)]) assert.ok(!bytes.includes(secret), `the log shows ${secret}: ${bytes}`);
  assert.match(bytes, /"card":"476173\*{6}0010"/);
  assert.match(bytes, /\[476173\*{6}0010\] prefixed/);
});
