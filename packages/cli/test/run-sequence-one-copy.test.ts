// `iso8583 run` and its flow's sequence modules share ONE copy of the workspace packages: a sequence imports
// @iso8583/codec and @iso8583/inbound as an application's does (bare names, through node_modules), and the command
// must know what it returns as its own (`instanceof EncodedReply`, in the endpoint and in the flow's reply checks).
// `run` starts from a bundle of its own modules (scripts/bundle-cli.mjs) that imports those packages from their dist;
// a bundle holding copies of them answered this sequence's approval with a failure (96). The real binary, a real
// socket, a real connector as the terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnector } from '@iso8583/connector';
import { repoRoot, tempFolder } from '@iso8583/test-support';
import { startCli } from './cli-process.js';

/** A sequence that answers with an `EncodedReply` made by its own imports (an echo test's approval, no card data). */
const SEQUENCE = `import { createCodec } from '@iso8583/codec';
import { EncodedReply } from '@iso8583/inbound';
const codec = createCodec('iso87ascii');
export default function reply(message) {
  const answer = { 0: '0810', 7: message.fields['7'], 11: message.fields['11'], 39: '00', 41: message.fields['41'], 70: message.fields['70'] };
  return new EncodedReply(answer, codec.pack(answer), codec.dialect);
}
`;

test('run: a sequence\'s EncodedReply, made from @iso8583/inbound as it imports it, is the command\'s: its answer reaches the client', async (t) => {
  const dir = tempFolder(t, 'iso8583-run-one-copy-');
  // The sequence's folder resolves @iso8583/* as an application's does: through a node_modules (this checkout's).
  symlinkSync(join(repoRoot(), 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'reply.mjs'), SEQUENCE);
  const flow = join(dir, 'flow.json');
  writeFileSync(flow, JSON.stringify({ name: 'onecopy', inboundEndpoints: { pos: { port: 0, host: '127.0.0.1', sequence: join(dir, 'reply.mjs') } } }));
  const run = await startCli(['run', flow]);
  t.after(() => run.stop());
  const terminal = createConnector({ host: '127.0.0.1', port: run.port, requestTimeout: 30_000 });
  t.after(() => terminal.destroy());
  const answer = await terminal.request({ 0: '0800', 7: '1207101010', 11: '000611', 41: 'TERM0001', 70: '301' });
  assert.equal(answer['0'], '0810');
  assert.equal(answer['39'], '00', 'the sequence\'s EncodedReply was not taken as the reply it is');
  const { code, stderr } = await run.stop();
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /ISO8583_ERR/);
});
