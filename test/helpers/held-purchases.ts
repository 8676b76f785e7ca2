/**
 * A scripted bank that holds every purchase (0200) it reads until the test answers it, and approves everything else
 * at once: for the tests of what happens to a purchase at the bank while its client gives up. Or one that holds the
 * requests the test picks (a terminal's) and answers the others as it says (or never).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { approve, startBank } from './bank.js';
import type { ScriptedBank } from './bank.js';
import { startGateway, stopAll } from './cli.js';

/** A bank holding its purchases; `answer(stan, reply)` writes the reply to the purchase with that STAN (field 11). */
export interface PurchaseHoldingBank {
  bank: ScriptedBank;
  /** Writes `reply` to the held purchase of STAN `stan` (as the bank received it); throws when none is held. */
  answer(stan: string, reply: IsoMessage): void;
}

/** Starts a {@link PurchaseHoldingBank} on a free port of 127.0.0.1. */
export function startPurchaseHoldingBank(): Promise<PurchaseHoldingBank> {
  return startHoldingBank((request) => request['0'] === '0200', approve);
}

/**
 * Starts a bank on a free port of 127.0.0.1 that holds every request `holds` picks until the test answers it (by its
 * STAN), and answers each other request with `others(request)` (undefined: never, a wedged bank).
 */
export async function startHoldingBank(holds: (request: IsoMessage) => boolean, others: (request: IsoMessage) => IsoMessage | undefined): Promise<PurchaseHoldingBank> {
  const held = new Map<string, (reply: IsoMessage) => void>();
  const bank = await startBank(others);
  bank.onRequest((request, write) => {
    if (holds(request)) held.set(String(request['11']), write);
    else {
      const reply = others(request);
      if (reply !== undefined) write(reply);
    }
  });
  return {
    bank,
    answer: (stan, reply) => {
      const write = held.get(stan);
      if (write === undefined) throw new Error(`the bank holds no purchase with STAN ${stan}`);
      write(reply);
    },
  };
}

/** A gateway in front of a holding bank (see {@link gatewayInFront}). */
export interface HeldGateway {
  /** The gateway's addresses and process. */
  gw: Awaited<ReturnType<typeof startGateway>>;
  /** Stops every gateway the test file started (`stopAll`), closes the bank, and removes `work`. */
  close(): Promise<void>;
}

/**
 * Starts `iso8583 gateway` (the real binary) in front of `holding`'s bank (`--upstream`) with `flags`, its reversal
 * journal in `work/journal` and log level warn.
 */
export async function gatewayInFront(holding: PurchaseHoldingBank, work: string, flags: string[]): Promise<HeldGateway> {
  const gw = await startGateway([
    '--upstream', `127.0.0.1:${holding.bank.port}`,
    ...flags,
    '--reversal-journal', join(work, 'journal'),
    '--log-level', 'warn',
  ]);
  return {
    gw,
    close: async () => {
      await stopAll();
      await holding.bank.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
