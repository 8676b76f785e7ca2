/**
 * The simulated issuer's books: card accounts, the journal, and the three things an issuer does with an
 * authorisation or financial message (request, advice, reversal), in ISO 8583:1987 response codes (the simulator
 * turns them into 1993 action codes for 1xxx MTIs). Duplicates never touch a balance twice: a repeat (origin 1) or a
 * resend under the same duplicate key (see `duplicateKeys`) gets the answer already given.
 */
import { ownedOptional, ownedText } from '@iso8583/codec';
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import { Accounts, floorFor, roomFor } from './accounts.js';
import type { Account } from './accounts.js';
import { expiryOf, isExpired, panOf, validCardNumber } from './cards.js';
import { duplicateKeys, isRepeat } from './duplicate-key.js';
import type { DuplicateKeys } from './duplicate-key.js';
import { Journal } from './journal.js';
import type { JournalEntry, OriginalKeys } from './journal.js';
import type { SimulatedCard } from './cards.js';
import type { FieldAcceptor } from './dialect-fields.js';
import { additionalAmount, echo, text } from './message-fields.js';
import { originalKeys, ownKeys } from './original-keys.js';
import { PendingReversals } from './pending-reversals.js';
import type { PendingReversal } from './pending-reversals.js';
import { readReversalAmounts, statedOriginalAmount } from './reversal-amount.js';

/** What the issuer is configured with (see `HostSimulatorOptions`). */
export interface IssuerSettings {
  cards: Record<string, SimulatedCard>;
  defaultBalance: number | null;
  maxAmount: number;
  journalSize: number;
  now: () => Date;
  checkCards: boolean;
  partialApproval: boolean;
  /**
   * Which values the fields the issuer makes up may take (`undefined`: no dialect, any): it sets 37, 38, 54 and a
   * partial approval's 4 only where the dialect has them and the value packs, so that every answer it books packs.
   */
  accepts: FieldAcceptor | undefined;
}

/**
 * The 1987 response code of a request resent after its transaction was reversed, or that arrives after its reversal:
 * 05, do not honour (1993: 100). The money stays where the reversal left it.
 */
const REVERSED = '05';

/**
 * The 1987 response code of a partial reversal whose actual amount is more than the original's (the amount the
 * reversal states, or the one the journal holds): 13, invalid amount. A reversal can only give money back; what was
 * done over the approved amount is not the issuer's to book, and the acquirer has to take it up. Nothing moves, and
 * the transaction stays as it stood. Under 1993 (whose reversal answers have no "invalid amount") the format error,
 * 904.
 */
const OVER_ORIGINAL = '13';

/**
 * The 1987 response code of a partial approval (`partialApproval`): 10, approved for a partial amount, the amount
 * approved in field 4 (1993: 002).
 */
const PARTIAL = '10';

/** Processing codes (first two digits of field 3) that move money: 00 purchase, 01 cash, 09 cash back, 20 refund. */
const MONEY = ['00', '01', '09', '20'];

/** The simulated issuer (see the file's note): its books, and its answer to each message. */
export class Issuer {
  readonly #accounts: Accounts;
  readonly #journal: Journal;
  readonly #pending: PendingReversals;
  #sequenceNumber = 0;

  constructor(private readonly settings: IssuerSettings) {
    this.#accounts = new Accounts(settings.cards, settings.defaultBalance, settings.journalSize);
    this.#journal = new Journal(settings.journalSize, (entry) => {
      const account = entry.account;
      if (account === undefined) return;
      // Out of the journal, no reversal finds it: what it holds is no longer the card's to give back, nor its card the
      // entry's (so nothing the entry does any more counts in its card's `reversible`, `reclaimable`: #hold, #credit).
      account.reversible -= entry.debited;
      account.reclaimable -= entry.credited;
      entry.account = undefined;
      this.#accounts.release(account);
    });
    this.#pending = new PendingReversals(settings.journalSize);
  }

  balanceOf(pan: string): number | undefined {
    return this.#accounts.get(pan)?.balance;
  }

  /**
   * The card of a request or advice the journal holds, or `undefined` for 14 (invalid card): not Luhn-valid, unknown,
   * or blocked.
   */
  #card(entry: JournalEntry): Account | undefined {
    const { pan } = entry;
    const card = !this.settings.checkCards || validCardNumber(pan) ? this.#accounts.use(pan) : undefined;
    entry.account = card;
    return card?.blocked === true ? undefined : card;
  }

  /**
   * Sets what `entry` holds of its card's balance (`debited`), the card's `reversible` (what reversals may still give
   * back) kept in step while the journal holds the entry.
   */
  #hold(entry: JournalEntry, debited: number): void {
    if (entry.account !== undefined) entry.account.reversible += debited - entry.debited;
    entry.debited = debited;
  }

  /** Sets what `entry` credited (`credited`), the card's `reclaimable` kept in step while the journal holds the entry. */
  #credit(entry: JournalEntry, credited: number): void {
    if (entry.account !== undefined) entry.account.reclaimable += credited - entry.credited;
    entry.credited = credited;
  }

  /** Field 37: YDDD (last digit of the year, day of the year), hh, then a 6-digit sequence number. */
  #retrievalReference(date: Date): string {
    const start = Date.UTC(date.getUTCFullYear(), 0, 0);
    const day = Math.floor((date.getTime() - start) / 86400000);
    const hh = String(date.getUTCHours()).padStart(2, '0');
    return `${date.getUTCFullYear() % 10}${String(day).padStart(3, '0')}${hh}${String(this.#sequenceNumber % 1000000).padStart(6, '0')}`;
  }

  /**
   * An authorisation or financial request (x100, x200, and their repeats x101, x201) or advice (x120, x220, x121,
   * x221): the answer already given under its duplicate key, else a new one.
   */
  transaction(fields: IsoMessage, mti: string, replyMti: string): MessageInput {
    const keys = duplicateKeys(mti, fields);
    const known = text(fields, '11') === undefined ? undefined : this.#journal.duplicate(mti, keys);
    if (known?.code !== undefined) return this.#again(fields, replyMti, known);
    const advice = mti[2] === '2';
    const { reply, entry } = advice ? this.#advice(fields, mti, replyMti, keys) : this.#request(fields, mti, replyMti, keys);
    if (entry !== undefined) {
      entry.code = reply['39'] as string;
      entry.rrn = ownedOptional(reply['37'] as string | undefined);
      entry.approval = reply['38'] as string | undefined;
      entry.balance = reply['54'] as string | undefined;
      if (reply['39'] === PARTIAL) entry.approved = reply['4'] as string;
    }
    return reply;
  }

  /**
   * The answer already given to `entry`, again: the same 37, 38, 39 (and 54), the rest echoed from the resend. A
   * request whose transaction has been reversed since is declined instead (05, no 38): approving it again would tell
   * the acquirer the money moved when the reversal gave it back. (An advice is acknowledged again.)
   */
  #again(fields: IsoMessage, replyMti: string, entry: JournalEntry): MessageInput {
    const reply = echo(fields, replyMti);
    if (entry.rrn !== undefined) reply['37'] = entry.rrn;
    if (entry.reversed && entry.mti[2] === '0') return Object.assign(reply, { 39: REVERSED });
    if (entry.approval !== undefined) reply['38'] = entry.approval;
    reply['39'] = entry.code!;
    if (entry.balance !== undefined) reply['54'] = entry.balance;
    if (entry.approved !== undefined) reply['4'] = entry.approved;
    return reply;
  }

  /** The checks every request and advice passes first: 30 (no PAN, STAN or amount), 12 (processing code). */
  #checked(fields: IsoMessage, replyMti: string, inquiryAllowed: boolean) {
    this.#sequenceNumber++;
    const date = this.settings.now();
    const reply = echo(fields, replyMti);
    this.#set(reply, '37', text(fields, '37') ?? this.#retrievalReference(date));
    const pan = panOf(fields);
    const stan = text(fields, '11');
    const processing = text(fields, '3') ?? '000000';
    const kind = processing.slice(0, 2);
    const inquiry = inquiryAllowed && (kind === '30' || kind === '31');
    const amountText = text(fields, '4');
    let code: string | undefined;
    if (pan === undefined || stan === undefined || (!inquiry && amountText === undefined)) code = '30';
    else if (amountText !== undefined && !/^\d+$/.test(amountText)) code = '30';
    else if (!MONEY.includes(kind) && !inquiry) code = '12';
    const amount = amountText === undefined ? 0 : Number(amountText);
    return { reply, date, pan: pan ?? '', stan: stan ?? '', processing, kind, inquiry, amount, code };
  }

  #entry(fields: IsoMessage, mti: string, keys: DuplicateKeys, stan: string, pan: string, amount: number): JournalEntry {
    // Copies: a value cut from the message would keep the whole message alive while the journal holds it (@iso8583/codec ownedText).
    const entry: JournalEntry = {
      keys: { original: ownedText(keys.original), repeat: ownedText(keys.repeat), transmission: ownedOptional(keys.transmission) },
      mti: ownedText(mti), stan: ownedText(stan), arrival: 0, pair: '', amount, transmission: ownedOptional(text(fields, '7')),
      local: ownedOptional(text(fields, '12')), terminal: ownedOptional(text(fields, '41')), acquirer: ownedOptional(text(fields, '32')),
      pan: ownedText(pan), debited: 0, credited: 0, reversed: false,
      code: undefined, rrn: undefined, approval: undefined, balance: undefined,
    };
    this.#journal.add(entry);
    return entry;
  }

  /**
   * Sets a field the issuer makes up (37, 38, 54, a partial approval's 4) where the dialect defines it and the value
   * packs there: a reply with a field that does not pack is answered 96, and the money had moved.
   */
  #set(reply: MessageInput, field: string, value: string): void {
    if (this.#accepts(field, value)) reply[field] = value;
  }

  /** Whether `value` may go in `field` of an answer (any without a dialect). */
  #accepts(field: string, value: string): boolean {
    return this.settings.accepts === undefined || this.settings.accepts(field, value);
  }

  #approve(reply: MessageInput): MessageInput {
    this.#set(reply, '38', String((this.#sequenceNumber * 7919 + 104729) % 1000000).padStart(6, '0'));
    reply['39'] = '00';
    return reply;
  }

  #request(fields: IsoMessage, mti: string, replyMti: string, keys: DuplicateKeys): { reply: MessageInput; entry?: JournalEntry } {
    const c = this.#checked(fields, replyMti, true);
    const { reply } = c;
    if (c.code !== undefined) return { reply: Object.assign(reply, { 39: c.code }) };
    const entry = this.#entry(fields, mti, keys, c.stan, c.pan, c.amount);
    const decline = (code: string) => ({ reply: Object.assign(reply, { 39: code }), entry });
    const early = this.#earlyReversal(entry);
    if (entry.reversed) return decline(REVERSED);
    const card = this.#card(entry);
    if (card === undefined) return decline('14');
    const expiry = card.expiry ?? expiryOf(fields);
    if (this.settings.checkCards && expiry !== undefined && isExpired(expiry, c.date)) return decline('54');
    if (c.inquiry) {
      this.#set(reply, '54', additionalAmount(c.processing, text(fields, '49') ?? '840', card.balance));
    } else {
      if (c.amount === 0) return decline('13');
      if (c.amount > this.settings.maxAmount) return decline('61');
      if (c.kind === '20') {
        // A refund that would take the balance past what field 54 carries (12 digits), now or once the card's
        // purchases the journal holds are reversed: 13 (invalid amount), nothing moves.
        if (!roomFor(card, c.amount)) return decline('13');
        card.balance += c.amount;
        this.#credit(entry, c.amount);
      } else {
        // A purchase over the balance, with `partialApproval`: approved for the balance (10, field 4 the amount, in the
        // request's width; a dialect whose field 4 cannot say it: 51). Its field 4 is written only when it may be one.
        const mayBePartial = c.amount > card.balance && this.settings.partialApproval && c.kind === '00' && card.balance > 0;
        const approvedText = mayBePartial ? String(card.balance).padStart(text(fields, '4')!.length, '0') : undefined;
        const partial = approvedText !== undefined && this.#accepts('4', approvedText) ? approvedText : undefined;
        if (c.amount > card.balance && partial === undefined) return decline('51');
        const amount = partial !== undefined ? card.balance : c.amount;
        card.balance -= amount;
        this.#hold(entry, amount);
        if (partial !== undefined) {
          this.#approve(reply);
          reply['4'] = partial;
          reply['39'] = PARTIAL;
          if (early?.actual !== undefined) this.#reverse(entry, early.actual);
          return { reply, entry };
        }
      }
      if (early?.actual !== undefined) this.#reverse(entry, early.actual);
    }
    return { reply: this.#approve(reply), entry };
  }

  /**
   * An advice: a transaction someone else (the acquirer, a stand-in) already approved, which the issuer posts and
   * acknowledges (00) without the balance, limit and expiry checks. An 0220 naming an 0100 pre-authorisation in field
   * 90 (1993: a 1220 naming a 1100 in field 56) is its completion: the hold is released and the completed amount
   * debited in its place. An 0120 places a hold like an approved 0100. An advice whose reversal came first is
   * acknowledged and posts nothing.
   */
  #advice(fields: IsoMessage, mti: string, replyMti: string, keys: DuplicateKeys): { reply: MessageInput; entry?: JournalEntry } {
    const c = this.#checked(fields, replyMti, false);
    const { reply } = c;
    if (c.code !== undefined) return { reply: Object.assign(reply, { 39: c.code }) };
    const entry = this.#entry(fields, mti, keys, c.stan, c.pan, c.amount);
    const early = this.#earlyReversal(entry);
    if (entry.reversed) return { reply: Object.assign(reply, { 39: '00' }), entry };
    const card = this.#card(entry);
    if (card === undefined) return { reply: Object.assign(reply, { 39: '14' }), entry };
    // A refund advice is posted without the balance checks, but not past what field 54 carries (see roomFor).
    if (c.kind === '20' && !roomFor(card, c.amount)) return { reply: Object.assign(reply, { 39: '13' }), entry };
    const named = mti[1] === '2' ? (this.#original(fields, mti[0] === '1') ?? undefined) : undefined;
    const preAuth = named !== undefined && named.mti[1] === '1' && named.pan === c.pan && !named.reversed && named.completedBy === undefined ? named : undefined;
    // A debit advice is posted without the balance checks, but not past the floor (see floorFor): 51, nothing posted.
    // A completion counts what it adds to its pre-authorisation's hold.
    if (c.kind !== '20' && !floorFor(card, c.amount - (preAuth?.debited ?? 0))) return { reply: Object.assign(reply, { 39: '51' }), entry };
    if (preAuth !== undefined) {
      // The completion takes the hold over: the pre-authorisation holds nothing any more.
      card.balance += preAuth.debited;
      entry.released = preAuth.debited;
      this.#hold(preAuth, 0);
      entry.completes = preAuth;
      preAuth.completedBy = entry;
    }
    if (c.kind === '20') {
      card.balance += c.amount;
      this.#credit(entry, c.amount);
    } else {
      card.balance -= c.amount;
      this.#hold(entry, c.amount);
    }
    if (early?.actual !== undefined) this.#reverse(entry, early.actual);
    reply['39'] = '00';
    return { reply, entry };
  }

  /**
   * The reversal that came before `entry` (a request or advice just received) and named it, if any. A full one
   * reverses the transaction from the start (`entry.reversed`: it moves no money); a partial one is booked once the
   * transaction is (only its actual amount stays taken).
   */
  #earlyReversal(entry: JournalEntry): PendingReversal | undefined {
    const pending = this.#pending.take(entry);
    if (pending !== undefined && pending.actual === undefined) entry.reversed = true;
    return pending;
  }

  /**
   * The transaction named by field 90 (1987) or 56 (1993), of the message's own terminal and card (see
   * {@link ownKeys}); `null` when the message names none.
   */
  #original(fields: IsoMessage, v1993: boolean): JournalEntry | undefined | null {
    const named = originalKeys(fields, v1993);
    return named === null ? null : this.#journal.find(named.stan, { ...named.keys, ...ownKeys(fields) });
  }

  /**
   * A reversal (x400, x420 and repeats): the original found by field 90 (1993: 56), else by STAN + terminal +
   * acquirer, and its effect on the balance undone once; 25 when no original matches (the reversal is remembered:
   * see {@link PendingReversals}), 30 without a STAN or with malformed amounts. A 1987 reversal with field 95
   * (replacement amounts) whose actual amount is not zero, or a 1993 one with function code 401 (field 24) and the
   * actual amount in field 4, is partial (see {@link #reverse}); one whose actual amount is over the original's is
   * refused with {@link OVER_ORIGINAL} and moves nothing (see `readReversalAmounts`).
   */
  reversal(fields: IsoMessage, mti: string, replyMti: string): MessageInput {
    const v1993 = replyMti[0] === '1';
    const reply = echo(fields, replyMti, v1993 ? ['24', '30', '56'] : []);
    const stan = text(fields, '11');
    const partial = readReversalAmounts(fields, v1993);
    if (stan === undefined || partial === null) return Object.assign(reply, { 39: '30' });
    const over = v1993 ? '30' : OVER_ORIGINAL;
    if (partial !== undefined && partial.original !== undefined && partial.actual > partial.original) return Object.assign(reply, { 39: over });
    const acquirer = text(fields, '32');
    const named = originalKeys(fields, v1993) ?? { stan, keys: acquirer === undefined ? {} : { acquirer } };
    Object.assign(named.keys, ownKeys(fields));
    const entry = this.#journal.find(named.stan, named.keys, statedOriginalAmount(fields, v1993), isRepeat(mti));
    if (entry === undefined) {
      this.#pending.add(ownedText(named.stan), ownedKeys(named.keys), partial?.actual);
      return Object.assign(reply, { 39: '25' });
    }
    if (partial !== undefined && partial.actual > entry.amount) return Object.assign(reply, { 39: over });
    this.#reverse(entry, partial?.actual);
    return Object.assign(reply, { 39: '00' });
  }

  /**
   * Undoes `entry` on its card's balance. In full (`actual` undefined or 0) once: what it debited or holds is given
   * back, what it credited taken back, and a completion reversed puts its pre-authorisation's hold back (unless that
   * pre-authorisation has been reversed meanwhile: then nothing is held any more). In part, as an issuer does with
   * the actual amount (1987 field 95, 1993 field 4 of a 401: an ATM that dispensed 6.00 of 10.00): the transaction now stands at `actual`, and
   * only what it had over that moves back, so a repeat, or a second partial reversal, never gives back more than is
   * left.
   */
  #reverse(entry: JournalEntry, actual: number | undefined): void {
    if (entry.reversed) return;
    const card = entry.account;
    const move = (amount: number) => {
      if (card !== undefined) card.balance += amount;
    };
    if (actual !== undefined && actual > 0) {
      if (entry.debited > actual) move(entry.debited - actual);
      if (entry.credited > actual) move(actual - entry.credited);
      this.#hold(entry, Math.min(entry.debited, actual));
      this.#credit(entry, Math.min(entry.credited, actual));
      // A completed pre-authorisation now stands at `actual`: the hold its completion would put back if reversed.
      const completion = entry.completedBy;
      if (completion?.released !== undefined) completion.released = Math.min(completion.released, actual);
      return;
    }
    entry.reversed = true;
    move(entry.debited - entry.credited);
    this.#hold(entry, 0);
    this.#credit(entry, 0);
    const preAuth = entry.completes;
    if (preAuth === undefined) return;
    entry.completes = undefined;
    preAuth.completedBy = undefined;
    if (!preAuth.reversed) {
      move(-(entry.released ?? 0));
      this.#hold(preAuth, entry.released ?? 0);
    }
  }
}

/** Copies of a reversal's keys that share no memory with its message (see @iso8583/codec ownedText): remembered as they are. */
function ownedKeys(keys: OriginalKeys): OriginalKeys {
  // Every key it has, whatever keys OriginalKeys gains: a key left out would match more transactions.
  const owned: Record<string, string> = {};
  for (const [name, value] of Object.entries(keys)) if (typeof value === 'string') owned[name] = ownedText(value);
  return owned as OriginalKeys;
}
