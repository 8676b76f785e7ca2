/**
 * The POS side of the chaos tests: terminals on real TCP connections to the gateway, each sending purchases one after
 * the other on a few lanes, recording what each purchase was told: approved, declined (the bank's code), the gateway's
 * own answer (91, 68, 94, 96, 30) or no answer at all (the connection closed under it, or no answer by its deadline).
 */
import type { IsoMessage } from '@iso8583/codec';
import { PosClient, purchase } from './pos.js';

/** What a terminal was told about one purchase. */
export type PosOutcome = 'approved' | 'declined' | 'gateway-answer' | 'no-answer';

/** One purchase as the terminal saw it. */
export interface PosRecord {
  key: string;
  terminal: string;
  stan: number;
  outcome: PosOutcome;
  /** Field 39 of the answer, when there was one. */
  code?: string;
  /** Why there was no answer. */
  error?: string;
}

/** Response codes the gateway gives itself (docs/gateway.md, "POS clients"); any other non-approval is the bank's. */
const GATEWAY_CODES = new Set(['91', '68', '94', '30', '96']);

/** The transmission date and time (field 7) of every purchase: `purchase()` of pos.ts sets it so. */
const F7 = '1121103000';

/** Every purchase of a run, by key, and the STANs handed out. */
export class PosBooks {
  readonly records = new Map<string, PosRecord>();
  private stan = 0;
  /** Answers read so far (the `pos-answer` kill point counts them). */
  answers = 0;
  /** Called after each answer is recorded. */
  onAnswer: (() => void) | undefined;

  /** The next STAN (1 to 999999; a run sends far fewer). */
  nextStan(): number {
    this.stan++;
    return this.stan;
  }

  /** Records what `terminal`'s purchase `stan` was told. */
  record(terminal: string, stan: number, answer: IsoMessage | Error): void {
    const key = `${terminal}/${String(stan).padStart(6, '0')}/${F7}`;
    if (answer instanceof Error) {
      this.records.set(key, { key, terminal, stan, outcome: 'no-answer', error: answer.message });
      return;
    }
    const code = String(answer['39']);
    const outcome: PosOutcome = code === '00' ? 'approved' : GATEWAY_CODES.has(code) ? 'gateway-answer' : 'declined';
    this.records.set(key, { key, terminal, stan, outcome, code });
    this.answers++;
    this.onAnswer?.();
  }
}

/** The amount of purchase `stan`: amounts vary with the STAN, so that every transaction is told apart in the books. */
function amountOf(stan: number): number {
  return 100 + stan;
}

/**
 * The terminals' own reversal rule (docs/operations.md: a request in flight on a gateway that died "got no answer (the
 * terminal's own timeout and reversal rules apply)"): each purchase whose connection closed under it is reversed by
 * its terminal, a 0400 naming it in field 90, through the gateway at `pos`. Resolves with the response codes the bank
 * gave, by code; rejects when one gets no answer.
 */
export async function terminalReversals(books: PosBooks, pos: { host: string; port: number }): Promise<Record<string, number>> {
  const codes: Record<string, number> = {};
  const client = await PosClient.open(pos.host, pos.port);
  try {
    const unanswered = [...books.records.values()].filter((r) => r.outcome === 'no-answer');
    const answers = await Promise.all(unanswered.map((r) => {
      const { '35': _track, ...original } = purchase(r.terminal, r.stan, amountOf(r.stan)) as Record<string, string | number>;
      const f90 = `0200${String(r.stan).padStart(6, '0')}${F7}${'0'.repeat(22)}`;
      return client.request({ ...original, '0': '0400', '90': f90 }, 30_000);
    }));
    for (const a of answers) codes[String(a['39'])] = (codes[String(a['39'])] ?? 0) + 1;
  } finally {
    await client.close();
  }
  return codes;
}

/** Terminals sending purchases until told to stop, or until each lane has sent `perLane`. */
export class PosFleet {
  private stopped = false;
  private readonly lanes: Promise<void>[] = [];
  private readonly clients: PosClient[] = [];

  private constructor(private readonly books: PosBooks) {}

  /**
   * Opens `terminals` connections to `pos` and starts `lanesPerTerminal` lanes on each: a lane sends a purchase,
   * waits for its outcome, and sends the next, until {@link stop}, its connection closes, or `perLane` are sent.
   */
  static async start(books: PosBooks, pos: { host: string; port: number }, terminals: string[], lanesPerTerminal: number, perLane?: number): Promise<PosFleet> {
    const fleet = new PosFleet(books);
    try {
      for (let i = 0; i < terminals.length; i++) fleet.clients.push(await PosClient.open(pos.host, pos.port));
    } catch (err) {
      await fleet.close();
      throw err;
    }
    for (const [i, terminal] of terminals.entries()) {
      for (let lane = 0; lane < lanesPerTerminal; lane++) fleet.lanes.push(fleet.lane(fleet.clients[i] as PosClient, terminal, perLane));
    }
    return fleet;
  }

  private async lane(client: PosClient, terminal: string, perLane: number | undefined): Promise<void> {
    for (let sent = 0; !this.stopped && (perLane === undefined || sent < perLane); sent++) {
      const stan = this.books.nextStan();
      const answer = await client.request(purchase(terminal, stan, amountOf(stan)), 30_000).catch((err: unknown) => err as Error);
      this.books.record(terminal, stan, answer);
      if (answer instanceof Error) return;
    }
  }

  /** No lane starts another purchase (those in flight go on to their outcome). */
  stop(): void {
    this.stopped = true;
  }

  /** Resolves once every lane has ended. */
  async ended(): Promise<void> {
    await Promise.all(this.lanes);
  }

  /** Closes the connections (after {@link ended}). */
  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }

  /** Answers that matched no request of their connection (a routing bug), over every connection. */
  strays(): number {
    return this.clients.reduce((n, c) => n + c.strays.length, 0);
  }
}
