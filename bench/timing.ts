// How the micro-benchmarks time one operation: batches of calls for a given amount of this process's CPU time, so that
// other work on a busy machine does not count against the figure. One home for the codec, XML and EBCDIC benchmarks.

/** Results of the timed calls, kept so that the optimiser cannot drop them. */
let sink = 0;

/** CPU time of this process in milliseconds (user + system). */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Runs `fn` in batches of 200 for `ms` of CPU time and returns operations per CPU-second. */
export function timed(fn: () => unknown, ms: number): number {
  let count = 0;
  const start = cpuMs();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 200; i++) if (fn() !== undefined) sink++;
    count += 200;
    now = cpuMs();
  }
  return (count * 1000) / (now - start);
}

/** How many results were kept (printing it keeps `sink` alive). */
export function kept(): number {
  return sink;
}

/** The purchase without field 55, wire-form values (what every codec sends as is). Test card number only. */
export const PURCHASE: Readonly<Record<string, string>> = {
  '0': '0200',
  '2': '4111111111111111',
  '3': '000000',
  '4': '000000001000',
  '7': '1121103000',
  '11': '618160',
  '12': '103000',
  '13': '1121',
  '14': '2812',
  '18': '5999',
  '22': '051',
  '25': '00',
  '35': '4111111111111111=28121011234567890',
  '37': '000000618160',
  '41': '00992468',
  '42': '000124642124643',
  '49': '840',
};
