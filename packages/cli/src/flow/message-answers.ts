/**
 * The book of one inbound message of a flow: the answers its sequence got through `context.connectors`, each with the
 * upstream that gave it, kept unless the message's reply is known to be lost (then each approval is reversed, once, by
 * the gateway's handler, and every later one as it comes). When the sequence times out, the terminal's answer is
 * onError's: the book then waits for onError's verdict (see undelivered-approvals.ts) before it decides what the
 * sequence's late outcome means: an approval delivered keeps every approval (before and after the timeout), anything
 * else reverses them (reason `sequence-timeout`) as soon as it is known, whether the sequence settles later or never.
 * Each approval has one outcome: kept, or reversed once.
 */
import { isAcceptedFor } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import type { ApprovalLoss, Connector, UndeliveredApproval } from '@iso8583/connector';
import { movedMoney, reversalNames } from '@iso8583/connector';
import { answersReversible, originalOf, requestKey, toldAmong } from './answered.js';
import type { Answered } from './answered.js';

/**
 * What the terminal was told when the sequence timed out: `none` (no onError judged: the endpoint's own 96, or no
 * timeout), `pending` (onError runs), `approved` (onError's answer approves: kept unless it proves undelivered),
 * `other` (it does not approve, threw, or did not settle in time).
 */
type TimeoutAnswer = 'none' | 'pending' | 'approved' | 'other';

/** The answers one inbound message's sequence got, until its reply is known to be undelivered. */
export class MessageAnswers {
  private readonly answers: Answered[] = [];
  /** Why its reply never reached the terminal, once known: from then on every answer is reversed as it comes. */
  private lost: ApprovalLoss | undefined;
  /** Whether only approvals of reversible requests are reversed once `lost` (`undelivered`'s `reversibleOnly`). */
  private reversibleOnly = false;
  private timeoutAnswer: TimeoutAnswer = 'none';
  /** Whether the sequence's reply in time tells the terminal approved: asked once, when first needed (`replied`). */
  private replyApproves: (() => boolean) | undefined;
  /**
   * The message's other book (the sequence's, or onError's), once this one's are reversed (`undelivered`'s `twin`): an
   * approval here that repeats one of it is that same transaction at the bank, whose fate is the twin's (`repeatOf`).
   */
  private twin: MessageAnswers | undefined;
  /** The approvals `undelivered` handed to the handler: a twin's repeat of one of them is reversed by it already. */
  private readonly undone: Answered[] = [];
  /**
   * The approvals `relaysApproval` last found the terminal's answer may relay (the one it was told; several when the
   * answer does not tell them apart: each then counts as told, none reversed for it): a twin's approval repeats only
   * those of this book's (`repeatOf`), not one this book holds untold.
   */
  private told: readonly Answered[] = [];
  /**
   * Set once onError's answer told the terminal this book's approval (`keptTold`): why its other approvals of a
   * reversible request are reversed, those it holds then and every later one as it comes.
   */
  private untold: ApprovalLoss | undefined;

  /**
   * Each answer's original (`undefined`: its request cannot be read) and whether it moved money, worked out once: every
   * reply, `relays` and `undo` ask again, and a text request is a whole parse each time.
   */
  private readonly worked = new WeakMap<Answered, { readonly original: IsoMessage | undefined; readonly moved: boolean }>();

  /**
   * @param reverse The one handler of approvals a client never got (the connector's `undeliveredApproval`).
   * @param sequences For onError's own book, the failed sequence's: a reversal onError sends of one of its approvals,
   *   accepted, takes that approval out of it (`ownReversal`). None (the default) for a sequence's book.
   */
  constructor(
    private readonly reverse: UndeliveredApproval,
    private readonly sequences?: MessageAnswers,
  ) {}

  /**
   * An answer came: kept, or reversed at once when the reply is known to be lost (a request the sequence did not
   * await). A network management answer (0810, 1814: an echo's or a sign-on's `00`) is kept like any other: the one
   * handler (the connector's undelivered-approval.ts) never counts it as an undelivered approval.
   */
  answered(one: Answered): void {
    if (this.ownReversal(one)) return;
    if (this.lost !== undefined) {
      if ((!this.reversibleOnly || answersReversible(one.answer)) && !this.repeatOf(one)) void this.undo(one, this.lost);
      return;
    }
    // onError's answer told the terminal another approval of this book (`keptTold`): this one is untold.
    if (this.untold !== undefined && this.untoldApproval(one)) {
      if (!this.repeatOfKept(one)) this.undoneNow(one, this.untold);
      return;
    }
    this.answers.push(one);
    // An approval after a reply in time that does not approve (a sequence that answered before its request came back).
    if (this.replyApproves !== undefined) void this.judgeReply();
  }

  /**
   * Whether `one` answers a reversal the sequence sent itself (MTI `x4xx`, as its upstream's codec read the answer's: a
   * reversal sent with a numeric MTI, `400`, too): no approval to reverse, never kept (nor handed to the handler). When
   * its upstream accepted it (`isAcceptedFor`: `00`, a 1993 reversal's `400`), the approval it undoes whole at that
   * upstream (`reversalNames`: field 90 or 56, else 11, and 41; the one whose MTI and time 90 or 56 give too, when
   * there is one) is undone already: taken out of the book, so that a decline to the terminal, or a failure, does not
   * reverse it a second time. A partial reversal (field 95) takes nothing out: what stays at the bank is reversed whole
   * by the handler when the terminal's reply proves undelivered (a reversal of the original, for its amount). onError's
   * book that holds no approval it names looks in the failed sequence's (`sequences`).
   */
  private ownReversal(one: Answered): boolean {
    const original = this.workedOut(one).original;
    const mti = String(one.answer['0'] ?? '');
    if (mti[1] !== '4') return false;
    if (original === undefined || !isAcceptedFor(one.upstream.codec.dialect, one.answer['39'], mti)) return true;
    if (!this.takeNamed(one.upstream, original)) this.sequences?.takeNamed(one.upstream, original);
    return true;
  }

  /**
   * Takes out of the book the approval at `upstream` that `reversal`, accepted there, undoes whole (`reversalNames`:
   * the one it names exactly, else the first it names by STAN and terminal). Whether there was one.
   */
  private takeNamed(upstream: Connector, reversal: IsoMessage): boolean {
    const dialect = upstream.codec.dialect;
    const named = (exactly: boolean): number =>
      this.answers.findIndex((held) => {
        const { moved, original } = this.workedOut(held);
        return held.upstream === upstream && moved && original !== undefined && reversalNames(dialect, reversal, original, exactly);
      });
    const exact = named(true);
    const i = exact >= 0 ? exact : named(false);
    if (i >= 0) this.answers.splice(i, 1);
    return i >= 0;
  }

  /**
   * The sequence's reply in time, to a request that expects one: `approves` tells whether it tells the terminal that
   * money moved (`true` too for a reply that cannot be looked at: the endpoint's, a 96 then `reply-invalid`). It is
   * asked only when the book holds an approval, now or when one comes (a text reply is read only then), and once:
   * when it does not approve, each approval is reversed (reason `reply-declined`), every later one as it comes.
   * Returns what settles (never rejects) once the reversals it started are stored, or sent, or known lost (none
   * started: `undefined`): the endpoint writes the terminal's decline only then, so that no crash leaves the bank's
   * approval standing without its reversal stored.
   */
  replied(approves: () => boolean): Promise<void> | undefined {
    if (this.lost !== undefined) return undefined;
    let told: boolean | undefined;
    this.replyApproves = () => (told ??= approves());
    return this.judgeReply();
  }

  /**
   * Whether `code`, the field 39 the terminal is told (as packed in its dialect), is that of an approval this book
   * holds, judged in the dialect of the upstream that gave it (`movedMoney`): a bank approval relayed, which approves
   * whatever the terminal's dialect says of that code (a bank's own approval code `Y1` under a standard POS dialect).
   */
  relays(code: unknown): boolean {
    return code !== undefined && this.answers.some((one) => one.answer['39'] === code && this.approval(one));
  }

  /**
   * Whether `code` and field 38 of `reply` (fields 39 and 38 of the terminal's answer, `code` as packed) are those of
   * an approval this book holds of a reversible request (`isReversible`: x100, x200 and their repeats, as its answer
   * x110, x210 tells; not an advice's or an administrative message's approved answer, which authorizes nothing the
   * terminal is told): that approval relayed (`undefined` for both 38s when neither has one). When several share them,
   * the reply's other fields pick the one it relays (`toldAmong`: 37, 11, 4, 7); when they do not tell them apart,
   * each counts as told (`toldAmbiguously`). Throws when a field's getter throws.
   */
  relaysApproval(code: unknown, reply: Readonly<Record<string, unknown>> | undefined): boolean {
    this.told = [];
    if (code === undefined) return false;
    const authorization = reply?.['38'];
    const candidates = this.answers.filter((one) => one.answer['39'] === code && one.answer['38'] === authorization && answersReversible(one.answer) && this.approval(one));
    this.told = toldAmong(candidates, reply);
    return this.told.length > 0;
  }

  /**
   * The approvals `relaysApproval` counted as told when the terminal's answer did not tell them apart (more than one):
   * each one's upstream (its connector's `name`) and the STAN (11) of its request as sent; empty otherwise. No card data.
   */
  toldAmbiguously(): { readonly upstream: string; readonly stan: unknown }[] {
    if (this.told.length < 2) return [];
    return this.told.map((one) => ({ upstream: one.upstream.name, stan: this.workedOut(one).original?.['11'] }));
  }

  /**
   * The names of the upstreams (each connector's `name`) of the approvals this book holds of a reversible
   * request (x100, x200 and their repeats, as `relaysApproval` reads them), each once; with `other` (the message's
   * other book), not those that repeat one of its approvals (`repeatOf`: the same transaction, no second charge).
   */
  approvingLinks(other?: MessageAnswers): string[] {
    const held = this.answers.filter((one) => answersReversible(one.answer) && this.approval(one) && (other === undefined || !this.repeatOf(one, other)));
    return [...new Set(held.map((one) => one.upstream.name))];
  }

  /** The reply's verdict (`replied`) asked, when the book holds an approval: one that does not approve reverses them. */
  private judgeReply(): Promise<void> | undefined {
    const approves = this.replyApproves;
    if (approves === undefined || !this.answers.some((one) => this.approval(one))) return undefined;
    return approves() ? undefined : this.undelivered('reply-declined');
  }

  /**
   * Whether `one` moved money by the rule of the gateway's handler (`movedMoney`, in its upstream's dialect); `false`
   * when its request cannot be read (no reversal could be built of it either).
   */
  private approval(one: Answered): boolean {
    return this.workedOut(one).moved;
  }

  /** `one`'s original and whether it moved money (`approval`), from the book's cache, worked out on first ask. */
  private workedOut(one: Answered): { readonly original: IsoMessage | undefined; readonly moved: boolean } {
    let out = this.worked.get(one);
    if (out === undefined) {
      let original: IsoMessage | undefined;
      let moved = false;
      try {
        original = originalOf(one);
        moved = movedMoney(one.upstream.codec.dialect, original, one.answer);
      } catch {
        // Its request cannot be read (or a field's getter throws): not an approval, and no reversal can be built of it.
      }
      out = { original, moved };
      this.worked.set(one, out);
    }
    return out;
  }

  /**
   * The reply never reached the terminal: each approval kept is reversed, once; every later one as it comes. Returns
   * what settles (never rejects) once the reversals it started are stored in their SAF queues, or sent, or known lost;
   * `undefined` when it started none (the book held no answer, or its reply was known lost already), so that nothing
   * waits on it (no deadline timer armed for a reply that causes no reversal: decline-wait.ts).
   * @param reversibleOnly Only approvals of reversible requests (`answersReversible`: x110, x210) are reversed, the
   *   rest (an approved advice, 0230) left alone, never handed to the handler: onError's book when its answer relays
   *   the sequence's approval. Default false: every answer is handed to the handler.
   * @param twin The message's other book (the sequence's, or onError's): an approval here that repeats one it holds or
   *   reversed (`repeatOf`), now or later, is that same transaction: not reversed here (kept when the twin's is the
   *   approval the terminal was told, reversed once by the twin otherwise). Default: none.
   */
  undelivered(reason: ApprovalLoss, reversibleOnly = false, twin?: MessageAnswers): Promise<void> | undefined {
    if (this.lost !== undefined) return undefined;
    this.lost = reason;
    this.reversibleOnly = reversibleOnly;
    this.twin = twin;
    const undone = this.answers.splice(0).filter((one) => (!reversibleOnly || answersReversible(one.answer)) && !this.repeatOf(one));
    this.undone.push(...undone);
    if (undone.length === 0) return undefined;
    return Promise.all(undone.map((one) => this.undo(one, reason))).then(() => undefined);
  }

  /**
   * Whether `one` repeats an approval the `twin` book holds or reversed: onError sent the sequence's request again (or
   * the other way round: the same upstream, the same request: fields 11 and 41 of the original, the key the connector
   * files a reversal under, and its amount 4 and MTI class) and got the same approval (the same 39 and the same
   * non-empty 38, and the same 37 when both answers have one: the bank's duplicate check answered it as the one
   * transaction). Its reversal would name that transaction too: it would undo the approval the terminal was told (an
   * approved sale, no charge), or undo it a second time. So its fate is the twin's: one charge, or one reversal.
   * Another approval code, or none (a bank that sends no 38 says nothing of a duplicate), is another transaction at
   * the bank: reversed here.
   */
  private repeatOf(one: Answered, twin = this.twin): boolean {
    if (twin === undefined || !answersReversible(one.answer) || !this.approval(one)) return false;
    const mine = requestKey(this.workedOut(one).original);
    const code = one.answer['38'];
    if (mine === undefined || typeof code !== 'string' || code.trim() === '') return false;
    const rrn = one.answer['37'];
    // When the terminal was told one of the twin's approvals, only that one (or one the twin reversed) is this
    // transaction's fate: a repeat of one the twin holds untold (onError's resend to the sequence's bank, a backup's
    // approval relayed) keeps no approval here, which is reversed (that bank's one transaction once: the twin's copy
    // stays unreversed).
    const pool = twin.told.length > 0 ? [...twin.told, ...twin.undone] : [...twin.answers, ...twin.undone];
    return pool.some((held) =>
      held.upstream === one.upstream && held.answer['39'] === one.answer['39'] && held.answer['38'] === code &&
      (rrn === undefined || held.answer['37'] === undefined || held.answer['37'] === rrn) &&
      answersReversible(held.answer) && twin.approval(held) && requestKey(twin.workedOut(held).original) === mine);
  }

  /**
   * Whether `one`, an untold approval (`keptTold`), repeats one of the twin's (`repeatOf`) or one this book told or
   * reversed just before: that transaction, not reversed a second time.
   */
  private repeatOfKept(one: Answered): boolean {
    return this.repeatOf(one) || this.repeatOf(one, this);
  }

  /**
   * onError's answer told the terminal this book's approval (onError's own book, owner `'own'`: the one
   * `relaysApproval` found, or each it could not tell apart): that one is kept, and every other approval of a
   * reversible request this book holds (a second backup's, a resend to another bank), now or later as it comes, is
   * reversed, each once (`reason`): one charge, the one the terminal was told. Not reversed: a repeat of a told one
   * (the same request, the same approval: that very transaction), or of one `twin` (the sequence's book, which still
   * holds its own and reverses it once) holds or reversed. An approved advice or administrative message is left alone.
   * The told ones stay in the book: reversed only if the answer proves undelivered (`undelivered`). Returns what
   * settles once the reversals it started are stored (none: `undefined`).
   */
  keptTold(reason: ApprovalLoss, twin: MessageAnswers): Promise<void> | undefined {
    if (this.lost !== undefined || this.untold !== undefined) return undefined;
    this.untold = reason;
    this.twin = twin;
    const untold = this.answers.filter((one) => this.untoldApproval(one));
    if (untold.length === 0) return undefined;
    for (const one of untold) this.answers.splice(this.answers.indexOf(one), 1);
    const started: Promise<void>[] = [];
    for (const one of untold) {
      if (!this.repeatOfKept(one)) started.push(this.undoneNow(one, reason));
    }
    return started.length === 0 ? undefined : Promise.all(started).then(() => undefined);
  }

  /** Whether `one` is an approval of a reversible request that is not one the terminal was told (`keptTold`). */
  private untoldApproval(one: Answered): boolean {
    return !this.told.includes(one) && answersReversible(one.answer) && this.approval(one);
  }

  /** Reverses `one` (`undo`), remembered as undone: a repeat of it, here or in the twin, is not reversed again. */
  private undoneNow(one: Answered, reason: ApprovalLoss): Promise<void> {
    this.undone.push(one);
    return this.undo(one, reason);
  }

  /** The sequence timed out and onError was called to answer the terminal: its verdict is awaited (`judged`). */
  timedOut(): void {
    if (this.timeoutAnswer === 'none') this.timeoutAnswer = 'pending';
  }

  /**
   * onError's timeout answer, judged once: `approves` when it approves in the endpoint's dialect. One that does not
   * approve reverses the sequence's approvals at once, and every later one as it comes (reason `sequence-timeout`):
   * the terminal was told something else, whether the sequence settles later or never. One that approves keeps them.
   * `twin`: onError's book: a repeat of its approval here is that one (`undelivered`). Returns what settles once the
   * reversals it started are stored (`undelivered`; none: `undefined`).
   */
  judged(approves: boolean, twin?: MessageAnswers): Promise<void> | undefined {
    if (this.timeoutAnswer !== 'pending') return undefined;
    this.timeoutAnswer = approves ? 'approved' : 'other';
    return approves ? undefined : this.undelivered('sequence-timeout', false, twin);
  }

  /**
   * The sequence timed out and the terminal got the endpoint's own answer (no onError: a 96): its approvals are
   * reversed at once, and every later one as it comes (reason `sequence-timeout`), whether it settles later or never.
   */
  expired(): void {
    if (this.timeoutAnswer === 'none') this.undelivered('sequence-timeout');
  }

  /**
   * The sequence settled (a result or a failure) after its timeout: its reply never reaches the terminal. Its
   * approvals are kept when onError's timeout answer approved (the terminal was told approved: reversed only if that
   * answer proves undelivered, `undelivered`), left to onError's verdict while it is pending (`judged`), else reversed.
   */
  late(): void {
    if (this.timeoutAnswer === 'approved' || this.timeoutAnswer === 'pending') return;
    this.undelivered('sequence-timeout');
  }

  /**
   * Reverses one approval through the gateway's handler. A throw from it (a logger that throws in its lines) is
   * dropped here, so that the other approvals of the message are still reversed and no timer's callback throws.
   */
  private undo(one: Answered, reason: ApprovalLoss): Promise<void> {
    const { original } = this.workedOut(one);
    // Its request cannot be read: no reversal can be built of it (as before, when originalOf threw here).
    if (original === undefined) return Promise.resolve();
    try {
      return Promise.resolve(this.reverse(original, one.answer, one.upstream, reason, 'pos')).catch(() => undefined);
    } catch {
      // The handler counts and logs what it does; its own failure is not the other approvals'.
      return Promise.resolve();
    }
  }
}
