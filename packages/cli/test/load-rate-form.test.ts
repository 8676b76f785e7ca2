// A number flag's refusal says the one form it takes (finding rv65h 4): `--rate 1e3` was refused as "must be a number
// of at least 0.001", which 1e3 is to anyone who writes exponents; it now says digits, no exponent. The real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './cli-process.js';

test('load --rate 1e3 is refused naming the form: a decimal number, digits, no exponent', async () => {
  for (const [flag, bound] of [['--rate', 'of at least 0.001'], ['--duration', 'from 0.001 to 604800']] as const) {
    const r = await runCli(['load', '--port', '1', flag, '1e3']);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `iso8583: ISO8583_ERR_CLI_OPTION: ${flag} must be a decimal number (digits, no exponent) ${bound}\n`);
    assert.equal(r.code, 1, r.stderr);
  }
});
