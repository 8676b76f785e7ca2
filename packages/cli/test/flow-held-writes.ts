// A file write held by a gate, for the tests of a flow's reversals whose store is slow (flow-decline-slow-store,
// flow-on-error-stored): the FileHandle prototype's `write` and `writev` wrapped for the rest of a test.
import type { TestContext } from 'node:test';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { gate } from './flow-approvals-bank.js';

type Method = (this: FileHandle, ...args: unknown[]) => Promise<unknown>;

/**
 * Holds every file write (`write`, `writev`) whose bytes contain `marker` made after `arm()` until `held` settles, for
 * the rest of the test (the FileHandle prototype is restored after it); `started` settles at the first such write.
 */
export async function holdWrites(t: TestContext, scratch: string, marker: string, held: Promise<void>): Promise<{ started: Promise<void>; arm(): void }> {
  const probe = await open(join(scratch, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as Record<'write' | 'writev', Method>;
  await probe.close();
  const original = { write: proto.write, writev: proto.writev };
  t.after(() => Object.assign(proto, original));
  const started = gate();
  let armed = false;
  const holds = (views: unknown[]): boolean => armed && views.some((v) => v instanceof Uint8Array && Buffer.from(v.buffer, v.byteOffset, v.byteLength).includes(marker));
  proto.write = async function (this: FileHandle, ...args: unknown[]) {
    if (holds([args[0]])) {
      started.open();
      await held;
    }
    return original.write.apply(this, args);
  };
  proto.writev = async function (this: FileHandle, ...args: unknown[]) {
    if (holds(args[0] as unknown[])) {
      started.open();
      await held;
    }
    return original.writev.apply(this, args);
  };
  return { started: started.opened, arm: () => (armed = true) };
}
