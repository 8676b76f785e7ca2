// The first example of packages/inbound/README.md logs what its comments say: its `context.logger` lines appear, the
// message as MTI, STAN and terminal only, the fields with the PAN masked. Without a logger the endpoint is silent, so
// the sample printed nothing at all. Run as written (its port 0, its start awaited and told), a real purchase over TCP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createCodec } from '@iso8583/codec';
import { eventWithin, repoRoot } from '@iso8583/test-support';

/** The first ```ts block of the README. */
function firstSample(): string {
  const text = readFileSync(join(repoRoot(), 'packages', 'inbound', 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(text)?.[1];
  assert.ok(block !== undefined, 'the README has a ts block');
  return block;
}

test('inbound README – the first example logs the message (MTI, STAN, terminal) and its fields, the PAN masked', async (t) => {
  const sample = firstSample();
  assert.match(sample, /port: 8583,/);
  assert.match(sample, /await endpoint\.start\(\);/);
  const source = sample
    .replace('port: 8583,', 'port: 0,')
    .replace('await endpoint.start();', "const { port } = await endpoint.start();\nprocess.stderr.write(`PORT ${port}\\n`);");
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const port = await eventWithin(20_000, () => `the sample to start (stderr: ${err})`, (resolve: (port: number) => void) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      const m = /PORT (\d+)/.exec(err);
      if (m !== null) resolve(Number(m[1]));
    });
  });

  const codec = createCodec('iso87ascii');
  const body = codec.pack({ 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: '000123', 41: 'TERM0001', 49: '840' });
  const frame = Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  socket.write(frame);
  const lines = await eventWithin(20_000, () => `the sample's two lines (stdout: ${out})`, (resolve: (lines: Record<string, unknown>[]) => void) => {
    const check = (): void => {
      const parsed = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      if (parsed.some((l) => l.msg === 'received') && parsed.some((l) => l.fields !== undefined)) resolve(parsed);
    };
    child.stdout.on('data', check);
    check();
  });
  const received = lines.find((l) => l.msg === 'received') as Record<string, unknown>;
  assert.deepEqual(received.message, { mti: '0200', stan: '000123', terminal: 'TERM0001' }, 'MTI, STAN, terminal only');
  const fields = (lines.find((l) => l.fields !== undefined) as { fields: Record<string, string> }).fields;
  assert.equal(fields['2'], '411111******1111', 'the PAN masked');
  assert.doesNotMatch(out, /4111111111111111/, 'no full card number anywhere');
});
