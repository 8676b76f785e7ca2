// `iso8583 decode --frame ... -o xml` of a stream whose second message holds a character XML 1.0 cannot carry: the
// messages before it are printed, and the refusal names the frame and where it starts, as a frame that does not decode
// is named. The real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './cli-process.js';

async function framed(message: object, lenient: boolean): Promise<string> {
  const r = await runCli(['encode', '--frame', 'binary2', ...(lenient ? ['--lenient'] : [])], JSON.stringify(message));
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

test('an XML refusal in a --frame stream names the frame and its offset', async () => {
  const good = await framed({ '0': '0800', '11': '000001', '70': '301' }, false);
  const bad = await framed({ '0': '0800', '11': '000002', '43': '\u001b[2JHELLO'.padEnd(40, ' '), '70': '301' }, true);
  const r = await runCli(['decode', '--input', 'hex', '--lenient', '--frame', 'binary2', '-o', 'xml'], good + bad + good);
  assert.equal(r.code, 1);
  assert.equal(r.stdout.split('<ISOMessage>').length - 1, 1);
  assert.equal(r.stderr, 'iso8583: ISO8583_ERR_INVALID_MESSAGE: invalid message for XML: 43 (holds characters that XML 1.0 cannot ' +
    `carry) in frame 2 (from byte ${good.length / 2} of the input)\n`);
});
