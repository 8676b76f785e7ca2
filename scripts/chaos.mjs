// Long chaos run: test/chaos-ledger.test.ts with many kill rounds (the real gateway killed with SIGKILL at points a
// seeded generator picks, restarted on its journal, the bank's books reconciled with what each terminal was told).
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
const file = 'test/dist/chaos-ledger.test.js';
if (!existsSync(file)) {
  console.error(`chaos: ${file} not found: run \`npm run build\` first`);
  process.exit(1);
}
const seed = process.env.ISO8583_CHAOS_SEED;
console.log(`chaos: ISO8583_CHAOS_KILLS=${kills}${seed ? `, ISO8583_CHAOS_SEED=${seed}` : ''}`);
// About 2 s a kill round on a busy 2-core machine; the test's bound leaves room for three times that.
const timeout = 60_000 + Number(kills) * 6_000;
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', `--test-timeout=${timeout}`, file], {
  stdio: 'inherit',
  env: { ...process.env, ISO8583_TEST: '1', ISO8583_CHAOS_KILLS: kills },
});
child.on('close', (code) => process.exit(code ?? 1));
