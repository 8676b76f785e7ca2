// A store folder left by a first run as another user (a container first run as root, then as a service user): each
// file the start opens in it, closed to this user in turn, is refused by `gateway --check-config` naming
// --reversal-journal, the system's reason and the file, as the start would fail (its own error:
// check-config-perm-start.test.ts; what passes: check-config-perm-pass.test.ts), so that a service manager's
// ExecStartPre stops what `Restart=on-failure` would loop on. Under root the binary runs as nobody (other-user.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeFile, giveFolder, openFolder, otherUserSkip, runAsOther, runScriptAsOther } from './other-user.js';
import { STORE_FILES, escape, gatewayArgs } from './store-folder.js';

const skip = otherUserSkip();

/**
 * `checkGatewayConfig` of a gateway on each journal folder, run by the other user in one child process (one start of
 * Node.js for the whole table, not one per file): each folder's error as `CODE: text`, or `valid`.
 */
function checkEach(journals: string[]): string[] {
  const config = new URL('../src/gateway/config.js', import.meta.url).href;
  const check = new URL('../src/gateway/check-config.js', import.meta.url).href;
  const script = `
    const { parseGatewayArgs } = await import(${JSON.stringify(config)});
    const { checkGatewayConfig } = await import(${JSON.stringify(check)});
    for (const journal of JSON.parse(process.env.JOURNALS)) {
      try {
        checkGatewayConfig(parseGatewayArgs(['--upstream', '127.0.0.1:9', '--reversal-journal', journal]).config);
        console.log(JSON.stringify('valid'));
      } catch (err) {
        console.log(JSON.stringify(err.code + ': ' + err.message));
      }
    }`;
  const r = runScriptAsOther(script, { JOURNALS: JSON.stringify(journals) });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').map((line) => JSON.parse(line) as string);
}

test('gateway --check-config refuses each file of the journal folder the start opens that this user may not open, naming --reversal-journal, the reason and the file', { skip }, (t) => {
  const journals = STORE_FILES.map(({ file, text }) => {
    const journal = giveFolder(join(openFolder(t), 'journal'));
    writeFileSync(join(journal, file), text);
    closeFile(join(journal, file));
    return journal;
  });
  const said = checkEach(journals);
  STORE_FILES.forEach(({ file, use }, i) => {
    const journal = journals[i] as string;
    const text = `ISO8583_ERR_GATEWAY_CONFIG: --reversal-journal: the journal folder ${journal} cannot be made or written: EACCES (permission denied): this user may not ${use} ${join(journal, file)}`;
    assert.equal(said[i], text, file);
  });
  // The binary says the same, on stderr, exit 1.
  const first = journals[0] as string;
  const r = runAsOther([...gatewayArgs(first), '--check-config']);
  assert.equal(r.status, 1, r.stdout);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`^iso8583: ${escape(said[0] as string)}\n$`));
});
