/**
 * The key a peer is counted by, wherever the toolkit counts peers (the listeners' per-address connection limit, the
 * console's sign-in guard): an IPv4 address as it is (also when a dual-stack listener shows it as `::ffff:10.1.2.3`),
 * an IPv6 address by its /64. One host is routinely given a whole /64 and may pick any address in it for each
 * connection, so counting IPv6 addresses one by one would bound nothing.
 */
export function peerKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1] as string;
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}

/**
 * The default per-address connection limit of a listener holding at most `maxConnections`: every slot but a tenth
 * (rounded down), so that one address (a NAT, a concentrator, an attacker) may take nine in ten slots and the last
 * tenth always stays for the others; below 10 slots, all of them (no limit of its own).
 */
export function defaultPerAddress(maxConnections: number): number {
  return Math.max(1, maxConnections - Math.floor(maxConnections / 10));
}
