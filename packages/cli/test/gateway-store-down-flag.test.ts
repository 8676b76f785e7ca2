// `iso8583 gateway --store URL` whose database is down at start (its port refuses connections) stops at once, exit 1,
// coded ISO8583_ERR_CONNECTOR_STORE: the error names the gateway's flag, `--store`, as a journal folder that cannot be
// opened names `--reversal-journal`; it named the connector's option (`store: the store ...`), which no gateway user
// sets. The password never shown. With reversal on (the SAF queue in the database) and off (the transaction log only).
// Real processes (the `iso8583` binary), a real refusing port on 127.0.0.1; no PostgreSQL server needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reservePort } from '@iso8583/test-support';
import { runCli } from './cli-process.js';
import { folder } from './helpers/owed-journal.js';

for (const reversal of [true, false]) {
  test(`a --store database down at start (reversal ${reversal ? 'on' : 'off'}): exit 1, coded, naming --store, no password`, async (t) => {
    const dir = folder(t, 'gateway-store-down');
    // A port reserved for this test, nothing listening on it: refused (no other test's server is handed it).
    const reserved = await reservePort();
    t.after(() => reserved.release());
    const port = reserved.port;
    const url = `postgresql://iso8583:Pg-S3cret@127.0.0.1:${port}/iso8583`;
    const run = await runCli(['gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--http', '0', '--store', url, '--reversal-journal', dir, ...(reversal ? [] : ['--no-reversal'])]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`^iso8583: ISO8583_ERR_CONNECTOR_STORE: --store: the store postgresql://iso8583:\\*\\*\\*@127\\.0\\.0\\.1:${port}/iso8583: .*\\(ECONNREFUSED\\)$`, 'm'));
    assert.doesNotMatch(run.stderr + run.stdout, /Pg-S3cret/);
    assert.doesNotMatch(run.stdout, /gateway listening/);
  });
}
