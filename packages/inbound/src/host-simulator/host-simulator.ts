import type { IsoMessage, MessageInput } from '@iso8583/codec';
import { RESPONSE_ECHOED_FIELDS, responseMti } from '@iso8583/codec';
import { inDialect } from './response-code.js';
import type { ResponseCodeDialect } from './response-code.js';
import type { InboundMessage, Sequence } from '../sequence.js';
import { expiryOf, isExpired, luhnValid, panOf } from './cards.js';
import type { SimulatedCard } from './cards.js';
import { Journal } from './journal.js';
import { NETWORK_FUNCTION_CODES, actionCode, readOriginalDataElements } from './iso1993.js';
import type { JournalEntry } from './journal.js';

/** Options of {@link createHostSimulator}. */
export interface HostSimulatorOptions {
  /** The issuer's cards: PAN -> balance (minor units), expiry and blocked flag. Default: none (see `defaultBalance`). */
  cards?: Record<string, SimulatedCard>;
  /**
   * The opening balance (minor units) of a card not in `cards`, opened on first use; `null` declines unknown cards
   * with 14 (invalid card). Default 1000000 (10,000.00), so that a demo approves any Luhn-valid test card.
   */
  defaultBalance?: number | null;
  /** The largest amount (minor units) approved in one transaction; more is declined with 61. Default: no limit. */
  maxAmount?: number;
  /** Milliseconds to wait before each answer, as a slow host would. Default 0. */
  delay?: number;
  /** How many transactions are kept to match reversals against (oldest dropped first). Default 20000. */
  journalSize?: number;
  /** The clock (for expiry checks and field 37). Default `() => new Date()`. */
  now?: () => Date;
  /**
   * The dialect the host answers in: field 39 takes its width and approvals its approval code (`000` for smartvista).
   * Default: ISO 8583:1987's two-character codes.
   */
  dialect?: ResponseCodeDialect;
  /**
   * Check card numbers (Luhn) and expiry dates. `false` approves any card as SocketQueue's test host does (the card of
   * SocketQueue's README sample fails both checks). Default `true`.
   */
  checkCards?: boolean;
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
  invalidAmount: '13',
  invalidCard: '14',
  originalNotFound: '25',
  formatError: '30',
  insufficientFunds: '51',
  expiredCard: '54',
  exceedsAmountLimit: '61',
} as const;

/** Network management information codes (field 70) answered with 00. */
const NETWORK_CODES = new Set(['001', '002', '301']);

function text(fields: IsoMessage, field: string): string | undefined {
  const value = fields[field];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The reply `mti` with the fields a response echoes (`RESPONSE_ECHOED_FIELDS` of the codec, the one rule: never track
 * data, PIN or EMV data) and the simulator's `extra` ones, those of them that `fields` holds as text.
 */
function echo(fields: IsoMessage, mti: string, extra: readonly string[] = []): MessageInput {
  const reply: MessageInput = { 0: mti };
  for (const field of [...RESPONSE_ECHOED_FIELDS, ...extra]) {
    const value = fields[field];
    if (typeof value === 'string') reply[field] = value;
  }
  return reply;
}

/**
 * A sequence that behaves like an issuer host, for demos and tests:
 * - 0800 -> 0810: sign-on (70 = 001), sign-off (002), echo test (301 or no 70, as SmartVista sends it) answered
 *   00; other codes 12.
 * - 0100/0200 -> 0110/0210 with 37 (retrieval reference: the request's, or one made up), 38 (approval code, when
 *   approved) and 39. Processing code (field 3) 00/01/09 debits, 20 credits (refund), 30/31 is a balance inquiry
 *   (field 54 carries the available balance); others 12. Declines: 14 invalid card (not Luhn-valid, blocked, or
 *   unknown with `defaultBalance: null`), 54 expired (card record, field 14 or track 2), 61 over `maxAmount`,
 *   51 insufficient funds, 13 a zero amount, 30 a missing PAN, STAN or amount.
 * - 0400/0420 (and repeats 0401/0421) -> 0410/0430: finds the original by field 90 (original MTI, STAN,
 *   transmission time, acquirer) or else by STAN + terminal + acquirer, and restores its balance once; 00, or 25
 *   when no original matches.
 * - Any other request -> its response MTI with 12; a response MTI gets no reply.
 * - ISO 8583:1993 requests (1xxx) the same, one version up, with the 1993 action codes in field 39 (000 approved,
 *   116 not sufficient funds, ...; 400 for an accepted reversal, 800 for accepted network management): 1804 -> 1814
 *   for function codes (field 24) 801 sign-on, 802 sign-off, 831 echo test; 1100/1200 -> 1110/1210;
 *   1400/1420 -> 1410/1430, the original found by field 56 (MTI, STAN, local date and time, acquirer).
 */
export function createHostSimulator(options: HostSimulatorOptions = {}): HostSimulator {
  const accounts = new Map<string, SimulatedCard>();
  for (const [pan, card] of Object.entries(options.cards ?? {})) accounts.set(pan, { ...card });
  const opened: string[] = [];
  const defaultBalance = options.defaultBalance === undefined ? 1000000 : options.defaultBalance;
  const maxAmount = options.maxAmount ?? Number.POSITIVE_INFINITY;
  const delay = options.delay ?? 0;
  const journalSize = options.journalSize ?? 20000;
  const journal = new Journal(journalSize);
  const now = options.now ?? (() => new Date());
  let sequenceNumber = 0;

  function account(pan: string): SimulatedCard | undefined {
    const known = accounts.get(pan);
    if (known !== undefined || defaultBalance === null) return known;
    const card: SimulatedCard = { balance: defaultBalance };
    accounts.set(pan, card);
    opened.push(pan);
    if (opened.length > journalSize) accounts.delete(opened.shift()!);
    return card;
  }

  /** Field 37: YDDD (last digit of the year, day of the year), hh, then a 6-digit sequence number. */
  function retrievalReference(date: Date): string {
    const start = Date.UTC(date.getUTCFullYear(), 0, 0);
    const day = Math.floor((date.getTime() - start) / 86400000);
    return `${date.getUTCFullYear() % 10}${String(day).padStart(3, '0')}${String(date.getUTCHours()).padStart(2, '0')}${String(sequenceNumber % 1000000).padStart(6, '0')}`;
  }

  function financial(fields: IsoMessage, mti: string, replyMti: string): MessageInput {
    sequenceNumber++;
    const date = now();
    const reply = echo(fields, replyMti);
    reply['37'] = text(fields, '37') ?? retrievalReference(date);
    const decline = (code: string): MessageInput => {
      reply['39'] = code;
      return reply;
    };
    const pan = panOf(fields);
    const stan = text(fields, '11');
    const processing = text(fields, '3') ?? '000000';
    const kind = processing.slice(0, 2);
    const inquiry = kind === '30' || kind === '31';
    const amountText = text(fields, '4');
    if (pan === undefined || stan === undefined || (!inquiry && amountText === undefined)) return decline('30');
    if (amountText !== undefined && !/^\d+$/.test(amountText)) return decline('30');
    if (!['00', '01', '09', '20'].includes(kind) && !inquiry) return decline('12');
    const amount = amountText === undefined ? 0 : Number(amountText);
    const entry: JournalEntry = {
      mti, stan, transmission: text(fields, '7'), local: text(fields, '12'), terminal: text(fields, '41'), acquirer: text(fields, '32'), pan,
      debited: 0, credited: 0, reversed: false,
    };
    journal.add(entry);
    const checkCards = options.checkCards ?? true;
    const card = !checkCards || luhnValid(pan) ? account(pan) : undefined;
    if (card === undefined || card.blocked === true) return decline('14');
    const expiry = card.expiry ?? expiryOf(fields);
    if (checkCards && expiry !== undefined && isExpired(expiry, date)) return decline('54');
    if (inquiry) {
      const currency = text(fields, '49') ?? '840';
      reply['54'] = `${processing.slice(2, 4)}02${currency}C${String(card.balance).padStart(12, '0')}`;
    } else {
      if (amount === 0) return decline('13');
      if (amount > maxAmount) return decline('61');
      if (kind === '20') {
        card.balance += amount;
        entry.credited = amount;
      } else {
        if (amount > card.balance) return decline('51');
        card.balance -= amount;
        entry.debited = amount;
      }
    }
    reply['38'] = String((sequenceNumber * 7919 + 104729) % 1000000).padStart(6, '0');
    reply['39'] = '00';
    return reply;
  }

  function reversal(fields: IsoMessage, replyMti: string): MessageInput {
    const v1993 = replyMti[0] === '1';
    const reply = echo(fields, replyMti, v1993 ? ['56'] : []);
    const stan = text(fields, '11');
    if (stan === undefined) {
      reply['39'] = '30';
      return reply;
    }
    const original = text(fields, v1993 ? '56' : '90');
    const elements = v1993 && original !== undefined ? readOriginalDataElements(original) : undefined;
    let entry: JournalEntry | undefined;
    if (elements !== undefined) {
      entry = journal.find(elements.stan, {
        mti: elements.mti,
        ...(elements.local === undefined ? {} : { local: elements.local }),
        ...(elements.acquirer === undefined ? {} : { acquirer: elements.acquirer }),
      });
    } else if (!v1993 && original !== undefined && /^\d{20}/.test(original)) {
      const acquirer = original.slice(20, 31);
      const transmission = original.slice(10, 20);
      entry = journal.find(original.slice(4, 10), {
        mti: original.slice(0, 4),
        ...(/^0+$/.test(transmission) ? {} : { transmission }),
        ...(acquirer === '' || /^0+$/.test(acquirer) ? {} : { acquirer }),
      });
    } else {
      const terminal = text(fields, '41');
      const acquirer = text(fields, '32');
      entry = journal.find(stan, { ...(terminal === undefined ? {} : { terminal }), ...(acquirer === undefined ? {} : { acquirer }) });
    }
    if (entry === undefined) {
      reply['39'] = '25';
      return reply;
    }
    if (!entry.reversed) {
      entry.reversed = true;
      const card = accounts.get(entry.pan);
      if (card !== undefined) card.balance += entry.debited - entry.credited;
    }
    reply['39'] = '00';
    return reply;
  }

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
    const reply = answerInClass(fields, mti, replyMti);
    // ISO 8583:1993 answers say the same thing in the 1993 action codes.
    if (mti[0] === '1') reply['39'] = actionCode(mti[1] as string, String(reply['39']));
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
        return financial(fields, mti, replyMti);
      case '4':
        return reversal(fields, replyMti);
      default: {
        const reply = echo(fields, replyMti);
        reply['39'] = '12';
        return reply;
      }
    }
  }

  const inWidth = (message: InboundMessage): MessageInput | undefined => {
    const reply = answer(message);
    if (reply !== undefined && typeof reply['39'] === 'string') reply['39'] = inDialect(reply['39'], options.dialect);
    return reply;
  };
  const sequence = (message: InboundMessage): MessageInput | undefined | Promise<MessageInput | undefined> => {
    if (delay <= 0) return inWidth(message);
    return new Promise((resolve) => setTimeout(() => resolve(inWidth(message)), delay));
  };
  return Object.assign(sequence, { balanceOf: (pan: string) => accounts.get(pan)?.balance });
}
