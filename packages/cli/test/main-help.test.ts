// `iso8583 help NAME`: the help of a command, and for a name that is no command the usage error that `iso8583 NAME`
// gives (exit 2), not the general help with exit 0. The real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './cli-process.js';

test('help of a command prints its help; help of no command is ISO8583_ERR_CLI_USAGE with exit code 2', async () => {
  const [known, unknown] = await Promise.all([runCli(['help', 'decode']), runCli(['help', 'decod'])]);
  assert.equal(known.code, 0, known.stderr);
  assert.match(known.stdout, /^Usage: iso8583 decode /);
  assert.equal(unknown.stdout, '');
  assert.equal(unknown.stderr, 'iso8583: ISO8583_ERR_CLI_USAGE: unknown command decod (see iso8583 --help)\n');
  assert.equal(unknown.code, 2);
});
