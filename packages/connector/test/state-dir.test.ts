// The default journal folder is a per-user state folder, never the working directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultJournalDir } from '../src/index.js';

test('defaultJournalDir – $XDG_STATE_HOME/iso8583/<name>, else ~/.local/state/iso8583/<name>; never relative', () => {
  assert.equal(defaultJournalDir('upstream', { XDG_STATE_HOME: '/var/lib/state' }), '/var/lib/state/iso8583/upstream');
  assert.equal(defaultJournalDir('upstream', {}), join(homedir(), '.local', 'state', 'iso8583', 'upstream'));
  // The XDG spec ignores a relative value.
  assert.equal(defaultJournalDir('upstream', { XDG_STATE_HOME: 'state' }), join(homedir(), '.local', 'state', 'iso8583', 'upstream'));
});

test('defaultJournalDir – a connector name cannot climb out of the folder', () => {
  const env = { XDG_STATE_HOME: '/s' };
  assert.equal(defaultJournalDir('../../etc', env), '/s/iso8583/.._.._etc');
  assert.equal(defaultJournalDir('..', env), '/s/iso8583/_');
  assert.equal(defaultJournalDir('', env), '/s/iso8583/_');
  assert.equal(defaultJournalDir('bank a', env), '/s/iso8583/bank_a');
});
