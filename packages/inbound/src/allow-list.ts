import { BlockList, isIP } from 'node:net';

/** An allow-list entry: an address, or a range given as an address and a prefix length. */
export interface AllowEntry {
  /** The address (the network address of a range). */
  address: string;
  /** The address family. */
  family: 'ipv4' | 'ipv6';
  /** The prefix length of a CIDR range; `undefined` for one address. */
  prefix: number | undefined;
}

/** Parses `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`; `undefined` when the text is none of those. */
export function parseAllowEntry(entry: string): AllowEntry | undefined {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (slash === -1) return { address, family, prefix: undefined };
  const text = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(text)) return undefined;
  const prefix = Number(text);
  if (prefix > (family === 'ipv4' ? 32 : 128)) return undefined;
  return { address, family, prefix };
}

/**
 * A test of remote addresses against an allow-list (entries already checked by {@link parseAllowEntry}). An IPv4
 * client seen on a dual-stack listener as `::ffff:10.1.2.3` is matched as `10.1.2.3`.
 */
export function createAllowList(entries: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const text of entries) {
    const entry = parseAllowEntry(text);
    if (entry === undefined) continue;
    if (entry.prefix === undefined) list.addAddress(entry.address, entry.family);
    else list.addSubnet(entry.address, entry.prefix, entry.family);
  }
  return (address) => {
    if (address === undefined) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1] !== undefined) return list.check(mapped[1], 'ipv4');
    const version = isIP(address);
    if (version === 0) return false;
    return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
}
