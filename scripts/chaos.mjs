// Long chaos run: test/chaos-ledger.test.ts (one gateway on its file journal) and test/chaos-ledger-pg.test.ts (two
// nodes on one PostgreSQL database, node A the one killed) with many kill rounds: the real gateway killed with SIGKILL
// at points a seeded generator picks, restarted on its store, the bank's books reconciled with what each terminal was
// told.
// Builds nothing (run `npm run build` first). Usage: `node scripts/chaos.mjs [kills]` (default 40, or
// ISO8583_CHAOS_KILLS); ISO8583_CHAOS_SEED replays a run's kill points and the bank's decisions (printed at its start;
// the timing of the processes is the machine's). Progress (each kill, then the counts) goes to stdout.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const kills = process.argv[2] ?? process.env.ISO8583_CHAOS_KILLS ?? '40';
if (!/^[0-9]+$/.test(kills)) {
  console.error(`chaos: kills must be a whole number, not ${JSON.stringify(kills)}`);
  process.exit(2);
}
const files = ['test/dist/chaos-ledger.test.js', 'test/dist/chaos-ledger-pg.test.js'];
for (const file of files) {
  if (!existsSync(file)) {
    console.error(`chaos: ${file} not found: run \`npm run build\` first`);
    process.exit(1);
  }
}
const seed = process.env.ISO8583_CHAOS_SEED;
console.log(`chaos: ISO8583_CHAOS_KILLS=${kills}${seed ? `, ISO8583_CHAOS_SEED=${seed}` : ''}`);
// About 2 to 4 s a kill round on a busy 2-core machine; each file's bound leaves room for three times that.
const timeout = 60_000 + Number(kills) * 12_000;
// One file after the other (--test-concurrency=1): both at once would share the machine's two cores.
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', `--test-timeout=${timeout}`, ...files], {
  stdio: 'inherit',
  env: { ...process.env, ISO8583_TEST: '1', ISO8583_CHAOS_KILLS: kills },
});
child.on('close', (code) => process.exit(code ?? 1));
