/**
 * A PostgreSQL journal's late-approval look-up (`PgJournal.lateApproval`) as the tests of a placed approval read it:
 * the code found (or none), never `'not-placed'` (another approval of the transaction holding the row, which those
 * tests do not set up): that answer fails the test, named.
 */
import assert from 'node:assert/strict';
import type { PgJournal } from '../../src/index.js';

/** What `PgJournal.lateApproval` resolves with, less `'not-placed'`. */
export type Placed = Exclude<Awaited<ReturnType<PgJournal['lateApproval']>>, 'not-placed'>;

/** `found` (a look-up's answer), asserted placed: the code and repeat it calls for, or `undefined`. */
export function placed(found: Awaited<ReturnType<PgJournal['lateApproval']>>): Placed {
  assert.notEqual(found, 'not-placed', 'the late approval was placed (no other approval holds its row)');
  return found as Placed;
}
