// The one flag table: parseArgs options, help lines, checked values with defaults, and the config file schema, all
// from the same rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIso8583Error } from '@iso8583/codec';
import { parseCommandArgs } from '../src/args.js';
import { flagHelp, flagSchema, flagSpecs, readFlagTable } from '../src/flag-table.js';
import type { FlagRow } from '../src/flag-table.js';
import { GATEWAY_DEFAULTS, GATEWAY_FLAGS, gatewayHelp } from '../src/gateway/config.js';
import { COMMAND_NAMES } from '../src/main.js';
import { DECODE_HELP } from '../src/commands/decode.js';
import { DEMO_HELP } from '../src/commands/demo.js';
import { ENCODE_HELP } from '../src/commands/encode.js';
import { LOAD_HELP } from '../src/commands/load.js';
import { RUN_HELP } from '../src/commands/run.js';
import { SEND_HELP } from '../src/commands/send.js';
import { SIMULATE_HOST_HELP } from '../src/commands/simulate-host.js';
import { TRANSACTIONS_HELP } from '../src/commands/transactions.js';

const ROWS: readonly FlagRow[] = [
  { flag: 'port', short: 'p', kind: 'integer', arg: 'PORT', min: 1, max: 65535, help: 'the port' },
  { flag: 'delay', kind: 'integer', arg: 'MS', max: 1000, default: 5, help: 'wait this long' },
  { flag: 'mode', kind: 'choice', choices: ['a', 'b'], default: 'a', help: 'the mode' },
  { flag: 'rate', kind: 'number', arg: 'R', min: 0.5, help: 'per second' },
  { flag: 'quiet', short: 'q', kind: 'boolean', help: 'say less' },
];

test('flag table – defaults apply when a flag is absent, values are typed when given', () => {
  const absent = readFlagTable(ROWS, parseCommandArgs([], flagSpecs(ROWS)).values);
  assert.deepEqual(absent, { port: undefined, delay: 5, mode: 'a', rate: undefined, quiet: undefined });
  const given = readFlagTable(ROWS, parseCommandArgs(['-p', '8583', '--delay', '0', '--mode', 'b', '--rate', '1.5', '-q'], flagSpecs(ROWS)).values);
  assert.deepEqual(given, { port: 8583, delay: 0, mode: 'b', rate: 1.5, quiet: true });
});

test('flag table – a value out of its row\'s limits or choices is ISO8583_ERR_CLI_OPTION naming the flag', () => {
  for (const [argv, flag] of [[['--port', '0'], '--port'], [['--delay', '1001'], '--delay'], [['--mode', 'c'], '--mode'], [['--rate', '0.1'], '--rate']] as const) {
    assert.throws(() => readFlagTable(ROWS, parseCommandArgs([...argv], flagSpecs(ROWS)).values), (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION');
      assert.equal(err.field, flag);
      return true;
    });
  }
});

test('flag table – the help line shows the short alias, the placeholder and the default of each row', () => {
  const help = flagHelp(ROWS);
  assert.match(help, /^ {2}-p, --port PORT +the port$/m);
  assert.match(help, /^ {6}--delay MS +wait this long\. Default: 5$/m);
  assert.match(help, /^ {6}--mode a\|b +the mode\. Default: a$/m);
  assert.match(help, /^ {2}-q, --quiet +say less$/m);
});

test('flag table – the gateway\'s config schema, defaults and help come from its rows', () => {
  for (const row of GATEWAY_FLAGS) {
    if (row.default !== undefined) assert.equal((GATEWAY_DEFAULTS as Record<string, unknown>)[row.key], row.default, row.key);
    assert.ok(gatewayHelp().includes(`--${row.flag}`), `--${row.flag} in the help`);
  }
  assert.deepEqual(flagSchema({ flag: 'listen', kind: 'integer', min: 0, max: 65535, help: '' }), { type: 'integer', minimum: 0, maximum: 65535 });
  // A row without `max` has the command line's limit in a config file too: 1e300 is an integer to JSON Schema.
  assert.deepEqual(flagSchema({ flag: 'count', kind: 'integer', help: '' }), { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
  for (const row of GATEWAY_FLAGS) {
    const schema = flagSchema(row);
    if (schema.type === 'integer' || schema.type === 'number') assert.ok(Number.isSafeInteger(schema.maximum), `--${row.flag} has a maximum`);
  }
});

test('every command\'s --help lists every flag the command accepts', () => {
  const specs: Record<string, string[]> = {
    decode: ['format', 'input', 'dialect', 'lenient', 'frame', 'header-bytes', 'header-hex', 'length-includes-header'],
    encode: ['input', 'dialect', 'lenient', 'frame', 'header-hex'],
    send: ['host', 'port', 'timeout', 'input', 'dialect', 'frame', 'tls', 'tls-ca', 'tls-cert', 'tls-key', 'tls-servername', 'tls-insecure'],
    'simulate-host': ['host', 'port', 'delay', 'balance', 'log-level', 'dialect', 'lenient', 'frame', 'tls-cert', 'tls-key', 'tls-ca'],
    load: ['host', 'port', 'clients', 'count', 'duration', 'rate', 'in-flight', 'timeout', 'json', 'quiet', 'dialect', 'frame', 'tls-ca'],
    demo: ['once', 'listen', 'http', 'transactions'],
    run: ['check', 'schema'],
    transactions: ['stan', 'terminal', 'rrn', 'from', 'to', 'limit', 'journal-dir', 'url', 'json'],
    gateway: ['config', 'no-http', ...GATEWAY_FLAGS.map((f) => f.flag)],
  };
  assert.deepEqual([...COMMAND_NAMES].sort(), Object.keys(specs).sort());
  const helps: Record<string, string> = {
    decode: DECODE_HELP, encode: ENCODE_HELP, send: SEND_HELP, 'simulate-host': SIMULATE_HOST_HELP, load: LOAD_HELP,
    demo: DEMO_HELP, run: RUN_HELP, gateway: gatewayHelp(), transactions: TRANSACTIONS_HELP,
  };
  for (const [name, flags] of Object.entries(specs)) {
    const out = helps[name] as string;
    for (const flag of flags) assert.match(out, new RegExp(`--${flag}\\b`), `${name} --help shows --${flag}`);
  }
});
