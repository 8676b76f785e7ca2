// Failures of the `iso8583` command: one coded line on stderr, a non-zero exit code, and never card data. The command
// lines run in one process (`main` for each, helpers/main-batch.ts); the real binary for a truncated image (exit 1)
// and an unknown command (exit 2).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './cli-process.js';
import { resultOf, runMainBatch } from './helpers/main-batch.js';
import type { BatchLine, BatchResult } from './helpers/main-batch.js';

const PAN = '4111111111111111';
const TRACK2 = `${PAN}=30121010000012300000`;
const PURCHASE = { '0': '0200', '2': PAN, '3': '000000', '4': '1000', '11': '000001', '35': TRACK2, '41': 'TERM0001' };

const HELP_NAMES = ['decode', 'encode', 'send', 'simulate-host', 'load'];
const LINES: BatchLine[] = [
  { args: ['decode', '0800Z2200000'] },
  { args: ['decode', '08002'] },
  { args: ['encode', '--dialect', 'iso99nothing'], input: JSON.stringify(PURCHASE) },
  { args: ['encode'], input: JSON.stringify({ ...PURCHASE, '3': '00A000' }) },
  { args: ['encode'], input: JSON.stringify(PURCHASE) },
  { args: ['decode', '--colour', 'red', '0800'] },
  { args: ['decode', PAN, PAN] },
  { args: ['decode', '--frame', 'binary3', '0800'] },
  { args: ['--help'] },
  ...HELP_NAMES.map((name) => ({ args: [name, '--help'] })),
  { args: ['encode'], input: '' },
];
let results: BatchResult[];
before(async () => {
  results = await runMainBatch(LINES);
});

/** The result of the line of `LINES` with these arguments (and this stdin text, when several have them). */
const runMain = (args: string[], input?: string): BatchResult => resultOf(results, args, input);

/** The single error line of a failed run, checked for its shape. */
function errorLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, 'one line on stderr');
  assert.match(lines[0] as string, /^iso8583: [A-Z0-9_]+: .+/);
  return lines[0] as string;
}

test('a wire image that is not hex is refused with ISO8583_ERR_CLI_HEX and the position', () => {
  const r = runMain(['decode', '0800Z2200000']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(errorLine(r.stderr), /^iso8583: ISO8583_ERR_CLI_HEX: .*position 5/);
});

test('an odd number of hex digits is refused with ISO8583_ERR_CLI_HEX', () => {
  const r = runMain(['decode', '08002']);
  assert.equal(r.code, 1);
  assert.match(errorLine(r.stderr), /^iso8583: ISO8583_ERR_CLI_HEX: /);
});

test('an unknown dialect is refused with the codec\'s ISO8583_ERR_DIALECT_UNKNOWN', () => {
  const r = runMain(['encode', '--dialect', 'iso99nothing']);
  assert.equal(r.code, 1);
  assert.match(errorLine(r.stderr), /^iso8583: ISO8583_ERR_DIALECT_UNKNOWN: /);
});

test('an invalid field is refused naming the field, and the PAN of the message is not in the error', () => {
  const r = runMain(['encode'], JSON.stringify({ ...PURCHASE, '3': '00A000' }));
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  const line = errorLine(r.stderr);
  assert.match(line, /^iso8583: ISO8583_ERR_INVALID_MESSAGE: .*(^|[^0-9])3([^0-9]|$)/);
  assert.ok(!line.includes(PAN) && !line.includes('00A000'), 'no value in the error');
});

test('a truncated wire image carrying a PAN and track 2 fails with a coded error that shows neither', async () => {
  const encoded = runMain(['encode'], JSON.stringify(PURCHASE));
  assert.equal(encoded.code, 0, encoded.stderr);
  const hex = encoded.stdout.trim();
  const cut = hex.slice(0, hex.length - 20);
  const r = await runCli(['decode', cut]);
  assert.equal(r.code, 1);
  const line = errorLine(r.stderr);
  assert.match(line, /^iso8583: ISO8583_ERR_/);
  assert.ok(!line.includes(PAN) && !line.includes(PAN.slice(0, 12)), 'no PAN in the error');
  assert.ok(!line.includes('30121010000012300000'), 'no track 2 in the error');
});

test('an unknown flag is a usage error (exit 2) naming the flag', () => {
  const r = runMain(['decode', '--colour', 'red', '0800']);
  assert.equal(r.code, 2);
  assert.match(errorLine(r.stderr), /^iso8583: ISO8583_ERR_CLI_USAGE: unknown flag --colour/);
});

test('extra arguments are a usage error that does not repeat them (they may be card data)', () => {
  const r = runMain(['decode', PAN, PAN]);
  assert.equal(r.code, 2);
  const line = errorLine(r.stderr);
  assert.match(line, /ISO8583_ERR_CLI_USAGE/);
  assert.ok(!line.includes(PAN.slice(0, 12)));
});

test('a --frame value that is not a length header is refused naming --frame and the choices', () => {
  const r = runMain(['decode', '--frame', 'binary3', '0800']);
  assert.equal(r.code, 1);
  assert.match(errorLine(r.stderr), /^iso8583: ISO8583_ERR_CLI_OPTION: --frame must be one of none, binary2, binary4, bcd2, ascii4/);
});

test('an unknown command is a usage error and the general help lists the commands', async () => {
  const r = await runCli(['decrypt']);
  assert.equal(r.code, 2);
  assert.match(errorLine(r.stderr), /ISO8583_ERR_CLI_USAGE: unknown command decrypt/);
  const help = runMain(['--help']);
  assert.equal(help.code, 0);
  for (const name of ['decode', 'encode', 'send', 'simulate-host', 'gateway', 'run', 'load']) {
    assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'));
  }
});

test('every command answers --help on stdout with exit 0', () => {
  HELP_NAMES.forEach((name) => {
    const r = runMain([name, '--help']);
    assert.equal(r.code, 0, name);
    assert.match(r.stdout, new RegExp(`^Usage: iso8583 ${name} `), name);
  });
});

test('empty stdin is refused with ISO8583_ERR_CLI_INPUT', () => {
  const r = runMain(['encode'], '');
  assert.equal(r.code, 1);
  assert.match(errorLine(r.stderr), /^iso8583: ISO8583_ERR_CLI_INPUT: /);
});
