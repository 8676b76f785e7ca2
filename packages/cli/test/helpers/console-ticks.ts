/**
 * The console's ticks as a test counts them: each tick reads the figure source's `endpoints` once, so a source whose
 * `endpoints` counts its calls tells the test how many ticks ran, and wakes it once the tick's pushes were written.
 */

/** The `endpoints` of a figure source that counts the ticks, and the waits on them. */
export interface TickCounter {
  /** The figure source's `endpoints` (no endpoints): counts a tick each call. */
  endpoints(): Record<string, never>;
  /** Resolves once `n` more ticks were read and their pushes ran (the figures' subscribers run once the tick is read). */
  ticks(n: number): Promise<void>;
  /** The ticks read so far. */
  read(): number;
}

/** A new {@link TickCounter}, at 0 ticks. */
export function tickCounter(): TickCounter {
  let count = 0;
  const waiting: { at: number; resolve(): void }[] = [];
  return {
    endpoints: () => {
      count += 1;
      // After the tick's writes (the figures' subscribers run once the tick is read).
      setImmediate(() => {
        for (const w of waiting.filter((x) => x.at <= count)) w.resolve();
      });
      return {};
    },
    ticks: (n) => new Promise<void>((resolve) => waiting.push({ at: count + n, resolve })),
    read: () => count,
  };
}
