import { codecError } from '../errors.js';

/** One BER-TLV data object of EMV field 55. */
export interface TlvItem {
  /** The tag as uppercase hex, e.g. `9F26`. */
  tag: string;
  /** The value as uppercase hex (for a constructed tag: its encoded contents). */
  value: string;
  /** The nested data objects of a constructed tag. */
  children?: TlvItem[];
}

/** Parses BER-TLV bytes (hex or bytes). Throws `ISO8583_ERR_TLV` with the byte offset. */
export function parseTlv(data: string | Uint8Array): TlvItem[] {
  void data;
  throw codecError('ISO8583_ERR_TLV', 'not built yet');
}

/** Builds BER-TLV bytes (uppercase hex) from data objects. */
export function buildTlv(items: readonly TlvItem[]): string {
  void items;
  throw codecError('ISO8583_ERR_TLV', 'not built yet');
}
