/**
 * The SAF queue's entries as the reversal manager (reversal.ts) makes them: their ids, and the entry of a reversal
 * armed for a request in flight.
 */
import { randomBytes } from 'node:crypto';
import type { IsoMessage } from '@iso8583/codec';
import type { JournalEntry } from './journal.js';

/** The prefix of this process's entry ids: when it made the first, its pid and a random part (see `entryId`). */
let idPrefix = '';
let sequence = 0;

/**
 * A new entry id, unique within a journal (shared ones too): a prefix made once per process (time, pid, 32 random
 * bits: two nodes with the same pid started in the same millisecond still differ) and a sequence that never wraps.
 */
export function entryId(): string {
  if (idPrefix === '') idPrefix = `${Date.now().toString(36)}-${process.pid.toString(36)}-${randomBytes(4).readUInt32BE(0).toString(36)}-`;
  sequence += 1;
  return idPrefix + sequence.toString(36);
}

/**
 * The SAF entry `id` of `message`, made now: a reversal (the MTI's second digit `4`: 0400, 0420, 1420, ...), else an
 * advice.
 */
export function entryOf(message: IsoMessage, id: string): JournalEntry {
  const reversal = String(message['0'] ?? '')[1] === '4';
  return { id, reversal: message, at: Date.now(), ...(reversal ? {} : { kind: 'advice' as const }) };
}

/**
 * The entry of a reversal armed for a request in flight: journaled, and the original's outcome not known yet. Its
 * message (`reversal`) is made on first use from the JSON text journaled when it was written as text (the file
 * journal), so that an answered request (nearly all of them) never makes it.
 */
export class ArmedEntry implements JournalEntry {
  /** Journaled and not yet answered, disarmed or triggered. */
  armed = false;
  /**
   * With a shared store (one with a `lease`): the `performance.now()` time past which the original may no longer be
   * written, `lease - claimInterval` ms after its add was asked for (the same bound as the add's own stall check), since
   * another node may claim the entry and reverse the original once the lease ends. `Infinity` with one node.
   */
  sendBy = Infinity;
  /**
   * The `performance.now()` time its add resolved: the journal's hold must be unbroken since (a break during the add
   * fails the add itself).
   */
  stored = 0;

  constructor(
    readonly id: string,
    readonly at: number,
    private readonly json: string | undefined,
    private message: IsoMessage | undefined,
  ) {}

  get reversal(): IsoMessage {
    this.message ??= JSON.parse(this.json as string) as IsoMessage;
    return this.message;
  }
}

/** True for an entry `arm` made and whose outcome is not settled yet. */
export function isArmed(entry: JournalEntry): entry is ArmedEntry {
  return entry instanceof ArmedEntry && entry.armed;
}
