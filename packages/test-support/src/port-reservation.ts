/**
 * A TCP port of 127.0.0.1 kept for one test across the time nothing listens on it: a database stopped and started
 * again on the same port, a host that is down (every connect refused). A port found free by binding port 0 and closing
 * is one the system hands out again, to another test file's server or as the local port of any connection, until the
 * test starts its server on it again (which then fails) or connects to it (and reaches someone else). A reserved port
 * is one the system never hands out (below `net.ipv4.ip_local_port_range`), and no other test process picks it: each
 * reservation is a file in a shared folder, made exclusively, naming its pid, removed on release or when the process
 * exits.
 */
import { chmodSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the system keeps the ports it hands out for port 0 and for the local end of connections. */
const LOCAL_PORT_RANGE = '/proc/sys/net/ipv4/ip_local_port_range';

/** Linux's default `ip_local_port_range` (used where /proc does not tell). */
const DEFAULT_EPHEMERAL: readonly [number, number] = [32_768, 60_999];

/** How many ports below the system's range a reservation picks from. */
const SPAN = 8_192;

/** The ports the system hands out itself (`[low, high]`, inclusive). */
export function ephemeralPorts(): [number, number] {
  try {
    const [low, high] = readFileSync(LOCAL_PORT_RANGE, 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isSafeInteger(low) && Number.isSafeInteger(high)) return [low as number, high as number];
  } catch {
    // No /proc (not Linux): the usual range.
  }
  return [...DEFAULT_EPHEMERAL];
}

/**
 * The ports {@link reservePort} picks from: `[first, end)`, the 8192 (at most) just below the system's range, from 1024
 * up. Throws when the system's range starts too low to leave 256 of them.
 */
export function reservablePorts(): [first: number, end: number] {
  const [low] = ephemeralPorts();
  const first = Math.max(1_024, low - SPAN);
  if (low - first < 256) throw new Error(`reservePort: ${LOCAL_PORT_RANGE} starts at ${low}: no ports below it to reserve`);
  return [first, low];
}

/** A port reserved by {@link reservePort}. */
export interface PortReservation {
  /** The port (below the system's range of ports it hands out). */
  readonly port: number;
  /** Gives the port up (its file removed); again is a no-op. */
  release(): void;
}

/** The reservation files of this process not released yet: removed when it exits (one listener for them all). */
const held = new Set<string>();

/** Removes a reservation file (gone already: a cleaner of the temporary folder). */
function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone.
  }
}

/** Removes every reservation file of this process (at its exit). */
function releaseAll(): void {
  for (const file of held) removeFile(file);
  held.clear();
}

/** True when nothing listens on `port` of 127.0.0.1 now (a listen on it succeeds). */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Reserves a port of 127.0.0.1 that nothing listens on, below the system's range of ports it hands out (so neither a
 * port-0 listen nor a connection's local end can take it) and not reserved by another test process (a file per port
 * in `folder`, default `iso8583-ports` in the temporary folder). Released by `release()` or when the process exits.
 * Throws when the system's range starts too low (see {@link reservablePorts}), or when every port of it is taken.
 */
export async function reservePort(folder = join(tmpdir(), 'iso8583-ports')): Promise<PortReservation> {
  const [first, low] = reservablePorts();
  // Shared by every user's tests (as root, and as another user), sticky: each removes only its own files.
  if (mkdirSync(folder, { recursive: true }) !== undefined) chmodSync(folder, 0o1777);
  // From a random one on, each in turn: every port of the span is tried once.
  const count = low - first;
  const start = Math.floor(Math.random() * count);
  for (let i = 0; i < count; i++) {
    const port = first + ((start + i) % count);
    const file = join(folder, String(port));
    try {
      // Made exclusively: another process's reservation (live, or left by one killed) keeps its port from this one.
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    held.add(file);
    if (held.size === 1) process.on('exit', releaseAll);
    const release = (): void => {
      if (!held.delete(file)) return;
      if (held.size === 0) process.removeListener('exit', releaseAll);
      removeFile(file);
    };
    // Something outside the tests may listen there: give it up and try another.
    if (await bindable(port)) return { port, release };
    release();
  }
  throw new Error(`reservePort: every port from ${first} to ${low - 1} is reserved or listened on (reservations in ${folder})`);
}
