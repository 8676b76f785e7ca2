import type { IsoMessage, MessageInput } from '@iso8583/codec';
import { dialectVersion, mtiVersionDigit, responseCodeIn, responseMti } from '@iso8583/codec';
import { inDialect } from './response-code.js';
import type { ResponseCodeDialect } from './response-code.js';
import type { InboundMessage, Sequence, SequenceContext } from '../sequence.js';
import type { SimulatedCard } from './cards.js';
import { fieldAcceptor } from './dialect-fields.js';
import { Issuer } from './issuer.js';
import { echo, text } from './message-fields.js';
import { NETWORK_FUNCTION_CODES } from './iso1993.js';
import { checkHostSimulatorOptions } from './options.js';

/**
 * Options of {@link createHostSimulator}, checked up front: a bad one throws `ISO8583_ERR_INBOUND_OPTIONS` naming it
 * (a card by its position, `cards[0].balance`, never its PAN; a PAN-shaped key masked).
 */
export interface HostSimulatorOptions {
  /**
   * The issuer's cards, a plain object: PAN (12 to 19 digits) -> balance (whole minor units, 0 to 999999999999:
   * field 54 carries 12 digits), expiry (`YYMM`) and blocked flag. Default: none (see `defaultBalance`).
   */
  cards?: Record<string, SimulatedCard>;
  /**
   * The opening balance (whole minor units, 0 to 999999999999, `MAX_SIMULATOR_BALANCE`: field 54 carries 12 digits)
   * of a card not in `cards`, opened on first use; `null` declines
   * unknown cards with 14 (invalid card). Default 1000000 (10,000.00), so that a demo approves any Luhn-valid test card.
   */
  defaultBalance?: number | null;
  /**
   * The largest amount (whole minor units, 0 or more) approved in one transaction; more is declined with 61. Default:
   * `Infinity`, no limit.
   */
  maxAmount?: number;
  /**
   * Milliseconds to wait before each answer, as a slow host would: a whole number from 0 to 2147483647 (the longest
   * delay a Node.js timer honours). Default 0. Keep it under the endpoint's
   * `sequenceTimeout`: a message that expires meanwhile is not answered and moves no money. The wait ends at once
   * when `context.signal` aborts (that expiry, or a `close()` that gives up on the message): nothing is answered.
   */
  delay?: number;
  /**
   * How many transactions are kept to match reversals, completions and duplicates against (oldest dropped first), and
   * how many reversals that came before their original, and cards opened with `defaultBalance` (the least recently
   * used forgotten first, never one whose transaction the journal still holds): a whole number, 1 or more. Default
   * 20000.
   */
  journalSize?: number;
  /** The clock (for expiry checks and field 37). Default `() => new Date()`. */
  now?: () => Date;
  /**
   * The dialect the host answers in: field 39 takes its width and approvals its approval code (`000` for smartvista),
   * and a request of the other edition (a 1200 on a 1987 dialect, an 0200 on a 1993 one) is refused with a format
   * error that no reader of field 39 takes for an approval (by the MTI's edition or by the dialect's): `904` where
   * field 39 has room for three characters (a 1xxx MTI under smartvista, an 0xxx MTI on a 1993 dialect: the 1987 `30`
   * padded to `030` would be a 1993 approval class), else `30`, and moves no money. The fields the simulator makes up
   * (37 retrieval reference, 38 approval code, 54 a balance inquiry's balance, 4 a partial approval's amount) are set
   * only where the dialect defines them and the value packs there (a 12-character 37 in a dialect's n 6 field 37 is
   * left out; a dialect whose field 4 cannot carry the amount approved gets 51 in place of a partial approval); a dialect
   * without field 39 is refused (`ISO8583_ERR_INBOUND_OPTIONS` naming `dialect`): no answer could say what was done.
   * Default: ISO 8583:1987's two-character codes, every field set, and requests of either edition are answered.
   */
  dialect?: ResponseCodeDialect;
  /**
   * Check card numbers (Luhn) and expiry dates. `false` approves any card as SocketQueue's test host does (the card of
   * SocketQueue's README sample fails both checks). Default `true`.
   */
  checkCards?: boolean;
  /**
   * Answer a purchase (processing code 00) over the card's balance, when the balance is above zero, with a partial
   * approval instead of 51: `10` (1993: `002`; `010` in a 3-digit field 39), field 4 the amount approved (the whole
   * balance, in the request's field 4 width), that amount debited. A repeat or duplicate gets the same answer; a
   * reversal gives back what was debited. For testing a terminal's, a gateway's or a flow's partial-approval handling.
   * Default `false`: 51.
   */
  partialApproval?: boolean;
}

/** A host simulator sequence, with a look at its accounts (for tests and demos). */
export interface HostSimulator extends Sequence {
  /** The balance of a card in minor units, or `undefined` for a card the host does not know (yet). */
  balanceOf(pan: string): number | undefined;
}

/** The response codes of the simulator (ISO 8583:1987 field 39 values). */
export const HOST_RESPONSE_CODES = {
  approved: '00',
  invalidTransaction: '12',
  partialApproval: '10',
  invalidAmount: '13',
  invalidCard: '14',
  originalNotFound: '25',
  formatError: '30',
  insufficientFunds: '51',
  expiredCard: '54',
  exceedsAmountLimit: '61',
} as const;

/**
 * A request (x100, x200, x400) or advice (x120, x220, x420) from the acquirer, or its repeat (origin 1): anything else
 * (issuer or other origin, x4x2 and x4x3 among them; a notification x140, x440; an instruction) is not for an issuer
 * host to book.
 */
function fromAcquirer(mti: string): boolean {
  return (mti[2] === '0' || mti[2] === '2') && (mti[3] === '0' || mti[3] === '1');
}

/** The ISO 8583:1993 action code of a format error: the refusal of another edition's message where field 39 has 3 characters. */
const FORMAT_ERROR_1993 = '904';

/** Network management information codes (field 70) answered with 00. */
const NETWORK_CODES = new Set(['001', '002', '301']);

/**
 * A sequence that behaves like an issuer host, for demos and tests. Field 39 follows the version of the request's
 * MTI (the codec's `responseCodeIn`): 1987 codes for 0xxx, 1993 action codes for 1xxx, in the width of the
 * dialect's field 39 (a 1987 `51` in an n 3 field is `051`, as SmartVista writes it); a dialect whose field 39 holds
 * 2 characters is answered in 1987 codes whatever the MTI's version (no 3-digit action code fits it).
 * - 0800 -> 0810: sign-on (70 = 001), sign-off (002), echo test (301 or no 70, as SmartVista sends it) answered
 *   00; other codes 12.
 * - 0100/0200 -> 0110/0210 with 37 (retrieval reference: the request's, or one made up), 38 (approval code, when
 *   approved) and 39. Processing code (field 3) 00/01/09 debits, 20 credits (refund), 30/31 is a balance inquiry
 *   (field 54 carries the available balance, `C` or below zero `D`); others 12. Declines: 14 invalid card (not Luhn-valid, blocked, or
 *   unknown with `defaultBalance: null`), 54 expired (card record, field 14 or track 2), 61 over `maxAmount`,
 *   51 insufficient funds, 13 a zero amount or a refund that would take the balance past `MAX_SIMULATOR_BALANCE`
 *   (the 12 digits field 54 carries), now or once the card's transactions the journal holds are reversed (a
 *   reversal always books in full: a credit leaves room for it), 30 a missing PAN, STAN or amount. With `partialApproval`, a purchase
 *   over a balance above zero is approved for the balance instead of 51: 10 (approved for a partial amount), field 4
 *   the amount approved.
 * - Duplicates, as an issuer checks them (see `duplicateKeys`): a request sent again with the same STAN (11),
 *   transmission date and time (7; 1993: local date and time, 12), terminal (41), acquirer (32), card and amount (4),
 *   or a repeat (0101, 0201, 0121, 0221) of one, matched without its own field 7, gets the answer already given (same
 *   37, 38, 39) and moves no money; a repeat whose original never arrived is handled as the original. Another card or
 *   amount under the same 11, 7, 41 and 32 is another transaction.
 * - 0120/0220 advices -> 0130/0230: a transaction already approved elsewhere (stand-in, completion), posted without
 *   balance, limit or expiry checks and acknowledged 00 (30, 12 and 14 as for a request; a refund advice past
 *   `MAX_SIMULATOR_BALANCE` is declined 13 as a refund request is, and posts nothing; a debit advice that would take
 *   the balance below -`MAX_SIMULATOR_BALANCE`, what field 54 carries, now or once the card's refunds are reversed,
 *   is declined 51 and posts nothing). An 0220
 *   naming an 0100 pre-authorisation in field 90 completes it: the hold is released and the advice's amount debited
 *   instead. An 0120 places a hold like an approved 0100.
 * - 0400/0420 (and repeats 0401/0421) -> 0410/0430: finds the original by field 90 (original MTI, STAN,
 *   transmission time, acquirer) or else by STAN + terminal + acquirer, of the reversal's terminal and (when it
 *   carries field 2 or track 2) card (among several, the one of the original amount the reversal states: field 4, or
 *   30 of a 1993 401; not yet reversed first, but for a repeat the latest, as its first reversal found it), and
 *   undoes its effect on the balance once
 *   (a completion reversed puts its pre-authorisation's hold back, unless that was reversed too); 00. With field 95
 *   (replacement amounts) whose actual amount is not zero, the reversal is partial: only what the original took over
 *   the actual amount comes back (0200 for 10.00, 0400 with 6.00 dispensed: 4.00 back), never more than is left;
 *   an actual amount over the original's is refused with 13 (invalid amount) and moves nothing.
 *   No original: 25, and the reversal is remembered (as many as `journalSize`): the original, should it come later,
 *   is declined with 05 (do not honour; an advice acknowledged) and moves no money, or after a partial reversal is
 *   booked and stands at the actual amount. A request resent after its
 *   transaction was reversed is declined with 05 too, not given the approval again.
 * - Any other request (another class, an issuer- or other-originated 0102/0202/0104/0402/0422, a notification
 *   0440 or 1440) -> its response MTI with 12 (1993: 902); a response MTI gets no reply.
 * - With `delay`, a message the endpoint has given up on (`context.signal` aborted: its `sequenceTimeout` passed and
 *   the client was answered 96, or its `close()` gave up on it) is not answered (`null`) and moves no money; the
 *   delay's timer is cleared at the abort, so a closed endpoint's process does not wait out the delay.
 * - ISO 8583:1993 requests (1xxx) the same, one version up, with the 1993 action codes in field 39 (000 approved,
 *   116 not sufficient funds, ...; 400 for an accepted reversal, 800 for accepted network management): 1804 -> 1814
 *   for function codes (field 24) 801 sign-on, 802 sign-off, 831 echo test; 1100/1200 -> 1110/1210 (1120/1220
 *   advices, a completion naming its 1100 in field 56); 1400/1420 -> 1410/1430, the original found by field 56 (MTI,
 *   STAN, local date and time, acquirer), in full for function code (field 24) 400, in part for 401: the amount
 *   actually done in field 4, the original's in field 30 (amounts, original), booked as a 1987 partial reversal
 *   (904 for a 401 without a numeric field 4, or whose field 4 is over field 30 or the original's amount).
 */
export function createHostSimulator(options: HostSimulatorOptions = {}): HostSimulator {
  checkHostSimulatorOptions(options);
  const delay = options.delay ?? 0;
  // The MTI version digit of the dialect's edition (0 or 1), when the dialect is known.
  const edition = options.dialect === undefined ? undefined : mtiVersionDigit(dialectVersion(options.dialect));
  // A dialect whose field 39 holds 2 characters (a network on 1993 MTIs that kept the 1987 response codes): no 1993
  // action code (3 digits) fits, its answers say it in 1987 codes (the codec's one rule, responseCodeIn).
  const codeFor = (mti: string, code: string): string => responseCodeIn(options.dialect, mti, code);
  const issuer = new Issuer({
    cards: options.cards ?? {},
    defaultBalance: options.defaultBalance === undefined ? 1000000 : options.defaultBalance,
    maxAmount: options.maxAmount ?? Number.POSITIVE_INFINITY,
    journalSize: options.journalSize ?? 20000,
    now: options.now ?? (() => new Date()),
    checkCards: options.checkCards ?? true,
    partialApproval: options.partialApproval ?? false,
    accepts: fieldAcceptor(options.dialect),
  });

  function network(fields: IsoMessage, replyMti: string): MessageInput {
    const v1993 = replyMti[0] === '1';
    const reply: MessageInput = { 0: replyMti };
    for (const field of ['7', '11', '12', '13', '32', '33', '41', v1993 ? '24' : '70']) {
      const value = fields[field];
      if (typeof value === 'string') reply[field] = value;
    }
    const code = text(fields, v1993 ? '24' : '70');
    const known = v1993 ? NETWORK_FUNCTION_CODES : NETWORK_CODES;
    // A 1987 echo without field 70 (as SmartVista sends it) is an echo test; a 1993 request needs its function code.
    reply['39'] = code === undefined ? (v1993 ? '30' : '00') : known.has(code) ? '00' : '12';
    return reply;
  }

  function answer(message: InboundMessage): MessageInput | undefined {
    const mti = message.mti;
    const replyMti = responseMti(mti);
    if (replyMti === undefined) return undefined;
    const fields = message.fields;
    if (edition !== undefined && mti[0] !== edition) {
      // A message of another edition than the dialect's: no issuer of this dialect would act on it. A format error
      // that no reader takes for an approval: in the codes its MTI carries (as every answer: responseCodeIn, which
      // keeps 1987 codes in a 2-character field 39), so that isApprovalClass given the MTI reads the decline it is
      // (in the dialect's codes, `030` answering a 1100 under smartvista read as a 1993 approval); but where that is a
      // 1987 code padded to three digits (`030` answering an 0200 on a 1993 dialect), a reader of the dialect's 1993
      // action codes takes it for the approval class 0xx: there, the 1993 format error `904` (a 1987 reading by the
      // MTI does not approve it either).
      const refused = echo(fields, replyMti);
      // As it will be written: in the width of the dialect's field 39 (`inDialect`, below).
      const code = inDialect(codeFor(mti, HOST_RESPONSE_CODES.formatError), options.dialect);
      refused['39'] = /^0\d\d$/.test(code) ? FORMAT_ERROR_1993 : code;
      return refused;
    }
    const reply = answerInClass(fields, mti, replyMti);
    // ISO 8583:1993 answers say the same thing in the 1993 action codes (by the message's version, not the dialect's).
    reply['39'] = codeFor(mti, String(reply['39']));
    return reply;
  }

  /** The answer by message class (second MTI digit), for 1987 (0xxx) and 1993 (1xxx) MTIs, in 1987 response codes. */
  function answerInClass(fields: IsoMessage, mti: string, replyMti: string): MessageInput {
    const known = mti[0] === '0' || mti[0] === '1';
    switch (known ? mti[1] : '') {
      case '8':
        return network(fields, replyMti);
      case '1':
      case '2':
        return fromAcquirer(mti) ? issuer.transaction(fields, mti, replyMti) : invalid(fields, replyMti);
      case '4':
        return fromAcquirer(mti) ? issuer.reversal(fields, mti, replyMti) : invalid(fields, replyMti);
      default:
        return invalid(fields, replyMti);
    }
  }

  function invalid(fields: IsoMessage, replyMti: string): MessageInput {
    const reply = echo(fields, replyMti);
    reply['39'] = '12';
    return reply;
  }

  const inWidth = (message: InboundMessage): MessageInput | undefined => {
    const reply = answer(message);
    if (reply !== undefined && typeof reply['39'] === 'string') reply['39'] = inDialect(reply['39'], options.dialect);
    return reply;
  };
  const sequence = (message: InboundMessage, context?: SequenceContext): MessageInput | undefined | Promise<MessageInput | null | undefined> => {
    if (delay <= 0) return inWidth(message);
    // A message the endpoint gave up on (its `sequenceTimeout` passed: the client has its 96; or its close gave up on
    // it) is not answered (`null`: nothing to send) and moves no money: the client was told it failed, or is gone. The
    // timer is cleared at the abort: it would hold a closed endpoint's process open for the rest of the delay.
    const signal = context?.signal;
    if (signal?.aborted === true) return Promise.resolve(null);
    return new Promise((resolve) => {
      const given = (): void => {
        clearTimeout(timer);
        resolve(null);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', given);
        resolve(inWidth(message));
      }, delay);
      signal?.addEventListener('abort', given, { once: true });
    });
  };
  return Object.assign(sequence, { balanceOf: (pan: string) => issuer.balanceOf(pan) });
}
