// A purchase times out, its reversal overtakes it at the host (answered 25: not booked yet) and the terminal repeats
// the purchase (0201). The original's late approval (0210 00) then arrives while the repeat is still at the host. The
// repeat's answer decides: approved in time, it is the same booking the late approval reports, the terminal is told
// approved, and nothing is reversed (a reversal stored now would undo what the terminal holds approved). Only once the
// repeat is answered without approval, or times out, is the late approval's reversal (0401) stored, as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { journalLines, watchReversals } from './helpers/reversals.js';
import { owedInJournalSync } from '../src/index.js';

/** The MTIs the host received, in order. */
const mtis = (received: readonly Received[]): string[] => received.map((r) => String(r.message['0']));

/** A host that holds the 0200 and the 0201 of `stan` (the test answers them) and answers a reversal 25 while they are held. */
async function overtakingHost(t: Parameters<typeof peerAndConnector>[0], stan: string, dir: string) {
  let original: Received | undefined;
  let repeatArrived: (r: Received) => void = () => undefined;
  const repeat = new Promise<Received>((resolve) => (repeatArrived = resolve));
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = String(r.message['0']);
      if (mti === '0200' && r.message['11'] === stan) original = r;
      else if (mti === '0201' && r.message['11'] === stan) repeatArrived(r);
      else if (mti.startsWith('04')) p.send(r.socket, answer(r.message, { '39': '25' }));
      else p.send(r.socket, answer(r.message));
    },
    // One connection: the host's answers are read in the order it wrote them. Field 7 in the match key: the repeat's
    // own transmission time tells its answer from the original's late one (as on two connections).
    { requestTimeout: 300, pool: { min: 1, max: 1 }, matchKey: ['0', '11', '41', '7'], reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } },
  );
  /** The original's late answer, written now (`rc`). */
  const lateOriginal = (rc = '00'): void => peer.send((original as Received).socket, answer((original as Received).message, { '39': rc }));
  return { peer, connector, repeat, lateOriginal };
}

/** The terminal's repeat of the purchase of `stan`, sent later: its own transmission time (field 7). */
const repeatOf = (stan: string): IsoMessage => ({ ...purchase(stan), '0': '0201', '7': '1121103100' });

/** The reversal MTIs the journal holds (its `add` lines). */
function journaledReversals(dir: string): string[] {
  return journalLines(dir)
    .filter((l) => l.op === 'add')
    .map((l) => String((l as unknown as { reversal: IsoMessage }).reversal['0']));
}

test('a late approval while its repeat (0201) is at the host stores no reversal; the repeat approved in time is the one outcome', async (t) => {
  const dir = tempDir(t, 'overtaken-repeat');
  const { peer, connector, repeat, lateOriginal } = await overtakingHost(t, '095001', dir);
  await connector.connect();
  const overtaken = watchReversals(connector, 'answered').reached;
  assert.equal((await failure(connector.request(purchase('095001')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal((await overtaken).responseCode, '25', 'the reversal overtook the purchase');
  const repeated = connector.request(repeatOf('095001'), { timeout: 10_000 });
  const r = await repeat;
  lateOriginal('00');
  // Another terminal's purchase answered after the late approval (one connection): the late approval was read.
  assert.equal((await connector.request(purchase('095002', 'TERM0002')))['39'], '00');
  peer.send(r.socket, answer(r.message, { '39': '00' }));
  assert.equal((await repeated)['39'], '00', 'the terminal is told approved');
  await connector.close();
  assert.deepEqual(mtis(peer.received), ['0200', '0400', '0201', '0200'], 'no reversal of the approved transaction reached the host');
  assert.ok(!journaledReversals(dir).includes('0401'), 'none stored either');
  assert.equal(owedInJournalSync(dir).reversals, 0, 'nothing owed at the next start');
});

test('a late approval while its repeat is at the host: the repeat declined, the late approval is reversed (0401)', async (t) => {
  const dir = tempDir(t, 'overtaken-repeat-declined');
  const { peer, connector, repeat, lateOriginal } = await overtakingHost(t, '095101', dir);
  await connector.connect();
  const overtaken = watchReversals(connector, 'answered').reached;
  assert.equal((await failure(connector.request(purchase('095101')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await overtaken;
  const again = watchReversals(connector, 'queued').reached;
  const repeated = connector.request(repeatOf('095101'), { timeout: 10_000 });
  const r = await repeat;
  lateOriginal('00');
  assert.equal((await connector.request(purchase('095102', 'TERM0002')))['39'], '00');
  peer.send(r.socket, answer(r.message, { '39': '05' }));
  assert.equal((await repeated)['39'], '05');
  const queued = await again;
  assert.equal(queued.mti, '0401', 'the late approval\'s reversal, stored once the repeat moved no money');
});

test('a late approval while its repeat is at the host: the repeat timed out, its own reversal and the late approval\'s both go', async (t) => {
  const dir = tempDir(t, 'overtaken-repeat-timeout');
  const { peer, connector, repeat, lateOriginal } = await overtakingHost(t, '095201', dir);
  await connector.connect();
  const overtaken = watchReversals(connector, 'answered').reached;
  assert.equal((await failure(connector.request(purchase('095201')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await overtaken;
  const queued = watchReversals(connector, 'queued');
  const repeated = failure(connector.request(repeatOf('095201')));
  await repeat;
  lateOriginal('00');
  assert.equal((await connector.request(purchase('095202', 'TERM0002')))['39'], '00');
  assert.deepEqual(queued.events.filter((e) => e.stage === 'queued'), [], 'nothing reversed while the repeat may be approved');
  assert.equal((await repeated).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const both = await eventWithin<string[]>(10_000, 'the two reversals were not queued within 10 s', (resolve) => {
    const seen = (): void => {
      const mtis = queued.events.filter((e) => e.stage === 'queued').map((e) => String(e.mti));
      if (mtis.length >= 2) resolve(mtis.sort());
    };
    seen();
    connector.on('reversal', seen);
  });
  assert.deepEqual(both, ['0400', '0401'], 'the repeat\'s own reversal, and the late approval\'s (a repeat of the first)');
  assert.ok(peer.received.length >= 4);
});
