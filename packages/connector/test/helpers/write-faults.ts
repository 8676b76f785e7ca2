/**
 * Faults injected into real file writes, for the tests of what a failed or slow write leaves: FileHandle `write`,
 * `writev`, `datasync` and `sync` are wrapped for the rest of a test (the prototype is restored after it). A rule
 * picks the writes whose bytes contain its marker (or, with `blank`, a `writev` of newlines only: the blanking of a
 * failed region, up to a size; or, with `folderSync`, the next fsync of a folder); it can hold the write until a gate
 * opens, or fail it (with ENOSPC after half of its bytes, at once with EIO, or with EIO after all of its bytes reached
 * the file, as a disk may report a write it did make). The bytes otherwise go to the disk as usual.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { eventWithin } from '@iso8583/test-support';

/** What happens to the next write a rule matches (each rule is used once). */
export interface WriteRule {
  /** Writes whose bytes contain this text. */
  marker?: string;
  /** Instead: a `writev` of newline bytes only, at most this many (a failed region's blanking, not a spare file's). */
  blank?: number;
  /** Instead: the next `sync` of a handle on a folder (after a rename or a file made in it). */
  folderSync?: boolean;
  /** Only writes made with this method (`writev`: a batch followed by blank lines; `write`: its bytes alone). */
  method?: 'write' | 'writev';
  /** Called when such a write starts, with its buffers (one for a `write`; `writev`'s own). */
  started?: (views: readonly Uint8Array[]) => void;
  /** The write waits for it. */
  gate?: Promise<void>;
  /** The write puts the first half of its bytes in the file, then fails with ENOSPC. */
  cut?: boolean;
  /** The write fails at once with EIO. */
  fail?: boolean;
  /** The write puts all of its bytes in the file, then fails with EIO. */
  failAfter?: boolean;
}

/** The rules (push to add) and the count of `datasync` calls so far, with a wait for the next. */
export interface WriteFaults {
  rules: WriteRule[];
  datasyncs(): number;
  /** Resolves at the next `datasync` call; fails with a message after `deadline` ms. */
  nextDatasync(deadline: number): Promise<void>;
}

/** A promise and the function that resolves it. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

type Method = (this: FileHandle, ...args: unknown[]) => Promise<unknown>;

/** Wraps FileHandle writes for the rest of the test; `scratch` is a folder for a probe file. */
export async function writeFaults(t: { after(fn: () => void): void }, scratch: string): Promise<WriteFaults> {
  const probe = await open(join(scratch, 'write-faults-probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as Record<'write' | 'writev' | 'datasync' | 'sync', Method>;
  await probe.close();
  const original = { write: proto.write, writev: proto.writev, datasync: proto.datasync, sync: proto.sync };
  const rules: WriteRule[] = [];
  let syncs = 0;
  const syncWaiters: (() => void)[] = [];
  const take = (matches: (r: WriteRule) => boolean): WriteRule | undefined => {
    const rule = rules.find(matches);
    if (rule !== undefined) rules.splice(rules.indexOf(rule), 1);
    return rule;
  };
  const before = async (rule: WriteRule | undefined, half: () => Promise<unknown>, whole: () => Promise<unknown>, views: readonly Uint8Array[] = []): Promise<void> => {
    if (rule === undefined) return;
    rule.started?.(views);
    if (rule.gate !== undefined) await rule.gate;
    if (rule.cut === true) {
      await half();
      throw Object.assign(new Error('no space left on the device (injected)'), { code: 'ENOSPC' });
    }
    if (rule.failAfter === true) await whole();
    if (rule.fail === true || rule.failAfter === true) throw Object.assign(new Error('i/o error (injected)'), { code: 'EIO' });
  };
  proto.write = async function (this: FileHandle, ...args: unknown[]) {
    const [data, offset, length, position] = args as [Uint8Array, number, number, number | null];
    const bytes = Buffer.isBuffer(data) ? data : undefined;
    const rule = bytes === undefined ? undefined : take((r) => r.method !== 'writev' && r.marker !== undefined && bytes.includes(r.marker));
    await before(
      rule,
      () => original.write.call(this, data, offset, Math.floor(length / 2), position),
      () => original.write.apply(this, args),
      [data],
    );
    return original.write.apply(this, args);
  };
  proto.writev = async function (this: FileHandle, ...args: unknown[]) {
    const views = args[0] as Uint8Array[];
    const size = views.reduce((n, v) => n + v.length, 0);
    const blank = (limit: number): boolean => size <= limit && views.every((v) => v.every((b) => b === 0x0a));
    const rule = take((r) => (r.blank !== undefined && blank(r.blank)) || (r.method !== 'write' && r.marker !== undefined && views.some((v) => Buffer.from(v).includes(r.marker as string))));
    await before(
      rule,
      () => original.writev.call(this, views.slice(0, 1), args[1]),
      () => original.writev.apply(this, args),
      views,
    );
    return original.writev.apply(this, args);
  };
  proto.datasync = async function (this: FileHandle, ...args: unknown[]) {
    syncs += 1;
    for (const w of syncWaiters.splice(0)) w();
    return original.datasync.apply(this, args);
  };
  proto.sync = async function (this: FileHandle, ...args: unknown[]) {
    // A handle on a folder is looked at only while a rule waits for one.
    const folder = rules.some((r) => r.folderSync === true) && (await this.stat()).isDirectory();
    const none = (): Promise<void> => Promise.resolve();
    await before(folder ? take((r) => r.folderSync === true) : undefined, none, none);
    return original.sync.apply(this, args);
  };
  t.after(() => Object.assign(proto, original));
  return {
    rules,
    datasyncs: () => syncs,
    nextDatasync: (deadline) =>
      // The sync interval's timer does not hold the process: the deadline does, while the wait lasts.
      eventWithin<void>(deadline, `no fdatasync within ${deadline} ms`, (resolve) => {
        syncWaiters.push(() => resolve());
      }, { keepAlive: true }),
  };
}
