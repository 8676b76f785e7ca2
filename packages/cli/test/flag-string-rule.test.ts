// A string flag's rule, on the command line as in a config file (the rows' JSON Schema): not empty, or matching the
// row's `pattern`. `--host=` was taken before by the commands that read their flags with readFlagTable, and failed
// later with an error that did not name the flag (simulate-host: ISO8583_ERR_INBOUND_OPTIONS; load: "no client could
// connect to :1"; demo: a file named "" not found). The real binary for the commands, the table itself for a pattern.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandArgs } from '../src/args.js';
import { flagSpecs, readFlagTable } from '../src/flag-table.js';
import type { FlagRow } from '../src/flag-table.js';
import { runCli } from './cli-process.js';

describe('an empty string flag is refused naming it, before anything starts', { concurrency: true }, () => {
  const cases: [string, string[], string][] = [
    ['simulate-host --host=', ['simulate-host', '--port', '0', '--host='], '--host'],
    ['load --host=', ['load', '--port', '1', '--count', '1', '--host='], '--host'],
    ['demo --transactions=', ['demo', '--once', '--transactions='], '--transactions'],
    ['transactions --stan=', ['transactions', '--stan='], '--stan'],
  ];
  for (const [name, args, flag] of cases) {
    test(name, async () => {
      const r = await runCli(args);
      assert.equal(r.stdout, '', 'nothing started, nothing printed');
      assert.equal(r.stderr, `iso8583: ISO8583_ERR_CLI_OPTION: ${flag} must not be empty\n`);
      assert.equal(r.code, 1);
    });
  }
});

test('a string row with a pattern takes a value that matches it and refuses one that does not, naming the flag, not the value', () => {
  const rows: readonly FlagRow[] = [{ flag: 'codes', kind: 'string', arg: 'CODES', pattern: '^[0-9]{2}(,[0-9]{2})*$', help: 'the codes' }];
  const read = (argv: string[]) => readFlagTable(rows, parseCommandArgs(argv, flagSpecs(rows)).values);
  assert.deepEqual(read(['--codes', '00,05']), { codes: '00,05' });
  assert.throws(() => read(['--codes', '4111111111111111']), (err: Error & { code?: unknown }) => {
    assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION');
    assert.equal(err.message, '--codes must be CODES in the form its help gives');
    return true;
  });
});
