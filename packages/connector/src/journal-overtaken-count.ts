/**
 * The file journal's records of reversals that undid nothing (journal-overtaken.ts), kept or noted, by id, with how
 * many there are of each transaction (STAN and terminal as stored, the key `sameStored` compares first): an approval
 * in time of a transaction none of them names (nearly every one) is told so in one look-up, not by a scan of up to
 * `OVERTAKEN_MAX` records.
 */
import type { IsoMessage } from '@iso8583/codec';
import { storedKey } from './journal-overtaken-names.js';

/** A map by entry id of records that may name a reversal, counting them by its transaction's key (`storedKey`). */
export class CountedRecords<V extends { readonly reversal: IsoMessage | undefined }> extends Map<string, V> {
  /** Records by transaction key (only keys with at least one). */
  private readonly counts = new Map<string, number>();

  override set(id: string, value: V): this {
    this.uncount(super.get(id));
    super.set(id, value);
    this.count(value, 1);
    return this;
  }

  override delete(id: string): boolean {
    const value = super.get(id);
    if (!super.delete(id)) return false;
    this.uncount(value);
    return true;
  }

  override clear(): void {
    super.clear();
    this.counts.clear();
  }

  /** How many records name a reversal of the transaction of `reversal` (STAN and terminal as stored). */
  countOf(reversal: IsoMessage): number {
    return this.counts.size === 0 ? 0 : (this.counts.get(storedKey(reversal)) ?? 0);
  }

  /** The transaction keys counted, with their counts (for the tests: they always agree with the records). */
  keyCounts(): Map<string, number> {
    return new Map(this.counts);
  }

  private uncount(value: V | undefined): void {
    if (value !== undefined) this.count(value, -1);
  }

  private count(value: V, by: 1 | -1): void {
    if (value.reversal === undefined) return;
    const key = storedKey(value.reversal);
    const n = (this.counts.get(key) ?? 0) + by;
    if (n > 0) this.counts.set(key, n);
    else this.counts.delete(key);
  }
}
