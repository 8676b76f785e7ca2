// Failures of the `iso8583` command: one coded line on stderr, a non-zero exit code, and never card data. The command
// lines run in one process (`main` for each, helpers/main-batch.ts); the real binary for a truncated image (exit 1)
// and an unknown command (exit 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './cli-process.js';
import { mainBatch } from './helpers/main-batch.js';

const PAN = '4111111111111111';
const TRACK2 = `${PAN}=30121010000012300000`;
const PURCHASE = { '0': '0200', '2': PAN, '3': '000000', '4': '1000', '11': '000001', '35': TRACK2, '41': 'TERM0001' };

const batch = mainBatch();

/** The single error line of a failed run, checked for its shape. */
function errorLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, 'one line on stderr');
  assert.match(lines[0] as string, /^iso8583: [A-Z0-9_]+: .+/);
  return lines[0] as string;
}

const notHex = batch.line(['decode', '0800Z2200000']);
test('a wire image that is not hex is refused with ISO8583_ERR_CLI_HEX and the position', async () => {
  const r = await notHex();
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(errorLine(r.stderr), /^iso8583: ISO8583_ERR_CLI_HEX: .*position 5/);
});

const oddHex = batch.line(['decode', '08002']);
test('an odd number of hex digits is refused with ISO8583_ERR_CLI_HEX', async () => {
  const r = await oddHex();
  assert.equal(r.code, 1);
  assert.match(errorLine(r.stderr), /^iso8583: ISO8583_ERR_CLI_HEX: /);
});

const unknownDialect = batch.line(['encode', '--dialect', 'iso99nothing'], JSON.stringify(PURCHASE));
test('an unknown dialect is refused with the codec\'s ISO8583_ERR_DIALECT_UNKNOWN', async () => {
  const r = await unknownDialect();
  assert.equal(r.code, 1);
  assert.match(errorLine(r.stderr), /^iso8583: ISO8583_ERR_DIALECT_UNKNOWN: /);
});

const invalidField = batch.line(['encode'], JSON.stringify({ ...PURCHASE, '3': '00A000' }));
test('an invalid field is refused naming the field, and the PAN of the message is not in the error', async () => {
  const r = await invalidField();
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  const line = errorLine(r.stderr);
  assert.match(line, /^iso8583: ISO8583_ERR_INVALID_MESSAGE: .*(^|[^0-9])3([^0-9]|$)/);
  assert.ok(!line.includes(PAN) && !line.includes('00A000'), 'no value in the error');
});

const purchaseImage = batch.line(['encode'], JSON.stringify(PURCHASE));
test('a truncated wire image carrying a PAN and track 2 fails with a coded error that shows neither', async () => {
  const encoded = await purchaseImage();
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

const unknownFlag = batch.line(['decode', '--colour', 'red', '0800']);
test('an unknown flag is a usage error (exit 2) naming the flag', async () => {
  const r = await unknownFlag();
  assert.equal(r.code, 2);
  assert.match(errorLine(r.stderr), /^iso8583: ISO8583_ERR_CLI_USAGE: unknown flag --colour/);
});

const extraArguments = batch.line(['decode', PAN, PAN]);
test('extra arguments are a usage error that does not repeat them (they may be card data)', async () => {
  const r = await extraArguments();
  assert.equal(r.code, 2);
  const line = errorLine(r.stderr);
  assert.match(line, /ISO8583_ERR_CLI_USAGE/);
  assert.ok(!line.includes(PAN.slice(0, 12)));
});

const badFrame = batch.line(['decode', '--frame', 'binary3', '0800']);
test('a --frame value that is not a length header is refused naming --frame and the choices', async () => {
  const r = await badFrame();
  assert.equal(r.code, 1);
  assert.match(errorLine(r.stderr), /^iso8583: ISO8583_ERR_CLI_OPTION: --frame must be one of none, binary2, binary4, bcd2, ascii4/);
});

const generalHelp = batch.line(['--help']);
test('an unknown command is a usage error and the general help lists the commands', async () => {
  const r = await runCli(['decrypt']);
  assert.equal(r.code, 2);
  assert.match(errorLine(r.stderr), /ISO8583_ERR_CLI_USAGE: unknown command decrypt/);
  const help = await generalHelp();
  assert.equal(help.code, 0);
  for (const name of ['decode', 'encode', 'send', 'simulate-host', 'gateway', 'run', 'load']) {
    assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'));
  }
});

const commandHelps = ['decode', 'encode', 'send', 'simulate-host', 'load'].map((name) => [name, batch.line([name, '--help'])] as const);
test('every command answers --help on stdout with exit 0', async () => {
  for (const [name, help] of commandHelps) {
    const r = await help();
    assert.equal(r.code, 0, name);
    assert.match(r.stdout, new RegExp(`^Usage: iso8583 ${name} `), name);
  }
});

const emptyStdin = batch.line(['encode'], '');
test('empty stdin is refused with ISO8583_ERR_CLI_INPUT', async () => {
  const r = await emptyStdin();
  assert.equal(r.code, 1);
  assert.match(errorLine(r.stderr), /^iso8583: ISO8583_ERR_CLI_INPUT: /);
});
