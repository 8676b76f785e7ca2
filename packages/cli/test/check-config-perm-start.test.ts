// The start's own error when a file of its store folder cannot be opened (a first run as another user left it): the
// flag or JSON path, the folder, the system's reason and the file, as --check-config and run --check say it, never a
// bare "cannot be opened" that Restart=on-failure loops on. Under root the binary runs as nobody (other-user.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_FILE } from '@iso8583/connector';
import { closeFile, giveFolder, openFolder, otherUserSkip, runAsOther } from './other-user.js';
import { EACCES, TODAY, escape, gatewayArgs } from './store-folder.js';

const skip = otherUserSkip();

test('gateway start: a journal file or a day file of the transaction log this user may not read stops it, naming --reversal-journal, the folder, the reason and the file', { skip }, (t) => {
  const cases = [
    { file: JOURNAL_FILE, error: (dir: string) => `ISO8583_ERR_CONNECTOR_JOURNAL: --reversal-journal: the reversal journal in ${escape(dir)} cannot be opened` },
    { file: TODAY, error: (dir: string) => `ISO8583_ERR_CONNECTOR_TRANSACTION_LOG: --reversal-journal: the transaction log cannot be opened \\(${escape(dir)}\\)` },
  ];
  for (const { file, error } of cases) {
    const journal = giveFolder(join(openFolder(t), 'journal'));
    const path = join(journal, file);
    writeFileSync(path, '\n');
    closeFile(path);
    const r = runAsOther(gatewayArgs(journal));
    assert.equal(r.status, 1, `${file}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^iso8583: ${error(journal)}: ${EACCES}: ${escape(path)}\n$`), file);
  }
});

test('run --check and the start of a flow whose journal file this user may not read name /connectors/bank/reversal/journalDir, the reason and the file', { skip }, (t) => {
  const dir = openFolder(t);
  const journal = giveFolder(join(dir, 'j'));
  const path = join(journal, JOURNAL_FILE);
  writeFileSync(path, '\n');
  closeFile(path);
  const flow = join(dir, 'flow.json');
  writeFileSync(flow, JSON.stringify({
    connectors: { bank: { host: '127.0.0.1', port: 9, reversal: { enabled: true, journalDir: 'j' } } },
    inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } },
  }));
  chmodSync(flow, 0o644);
  const check = runAsOther(['run', flow, '--check']);
  assert.equal(check.status, 1, check.stdout);
  const field = '/connectors/bank/reversal/journalDir';
  assert.match(check.stderr, new RegExp(`^iso8583: ISO8583_ERR_FLOW_INVALID: flow file \\S+: ${field}: the journal folder ${escape(journal)} cannot be made or written: ${EACCES}: this user may not read ${escape(path)}\n$`));
  const start = runAsOther(['run', flow]);
  assert.equal(start.status, 1, start.stderr);
  assert.match(start.stderr, new RegExp(`^iso8583: ISO8583_ERR_CONNECTOR_JOURNAL: ${field}: the reversal journal in ${escape(journal)} cannot be opened: ${EACCES}: ${escape(path)}\n$`));
});
