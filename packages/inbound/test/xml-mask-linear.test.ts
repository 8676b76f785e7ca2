// maskXml (the redaction of a sequence's `xml` log paths) reads XML from outside: a malformed document must cost time
// in proportion to its length. Each shape runs in a worker thread (one serves every shape), ended at a generous
// deadline, so that a slow scan fails the test with its name instead of holding it; and 16x the input must cost well
// under 256x (quadratic) the CPU time. The inputs (50 KB and 800 KB) are large enough that a run costs milliseconds,
// not the noise of one (the small one takes 2 to 12 ms, the large one 30 to 140 ms on a quiet 2-core machine), and
// small enough that the file stays seconds: quadratic work on 50 KB already takes seconds, and on 800 KB over the deadline.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';

/**
 * The bound that ends the worker on a shape (both sizes, up to three runs each) so that a scan gone quadratic fails naming its
 * shape instead of holding the suite: not a speed target (the ratio below is the test; bench/mask.bench.ts measures
 * speed). A shape takes about half a second here on a quiet 2-core machine; quadratic work on 800 KB takes minutes.
 */
const DEADLINE_MS = 60_000;

/** The base size of a hostile input; the large one is 16 times it (800 KB). */
const BASE = 50_000;

/** How many times the large input is the base one. */
const SCALE = 16;

/** Linear work gives ~16; quadratic 256. */
const MAX_RATIO = 64;

/** Hostile shapes, each repeated to `size` characters. */
const SHAPES: Record<string, (size: number) => string> = {
  'isomsg tags never closed': (size) => fill('<isomsg ', size),
  'field tags never closed': (size) => fill('<field id="2" ', size),
  'field tags with values never closed': (size) => fill('<field id="2" value="" ', size),
  'value attributes in one tag': (size) => `<field id="2" ${fill('value="" ', size)}/>`,
  'values holding > in their quotes': (size) => fill('<field id="2" value="41>11"/>', size),
  'quotes never closed': (size) => `<field id="2" value="${fill('>a', size)}`,
  'quotes closed tags later': (size) => fill('<a x="> ', size),
  'isomsg nested deeper than any path, then fields': (size) => fill('<isomsg id="1">', size / 2) + fill('<field id="2">4111</field>', size / 2),
  'sensitive fields left open': (size) => fill('<field id="2">4111 ', size),
  'CDATA sections never closed in field 55': (size) => `<field id="55">${fill('<![CDATA[', size)}</field>`,
  'tags never closed in field 55': (size) => `<field id="55">${fill('<tag id="5A"', size)}</field>`,
  'tags with values in field 55': (size) => `<field id="55">${fill('<tag id="5A" value="41">', size)}</field>`,
  'attributes without values': (size) => `<field ${fill('id ', size)}/>`,
  'a header of base64 wrapped by references': (size) => `<header>${fill('&#10;NDEx', size)}</header>`,
  'CDATA sections never closed in a header': (size) => `<header>${fill('<![CDATA[', size)}`,
  'a header of comments and CDATA': (size) => `<header>${fill('<!--x--><![CDATA[NDEx]]>', size)}</header>`,
};

function fill(unit: string, size: number): string {
  return unit.repeat(Math.ceil(size / unit.length));
}

/**
 * In the worker: for each input pair posted (a shape's small and large one), maskXml's ms of CPU (`process.cpuUsage`,
 * user and system: the process's, but its other threads are idle meanwhile: the test awaits the worker, and a group runs
 * its files one after another), the shortest of 3 runs on the small input, and on the large one the shortest of up to
 * 3 runs: a run that already puts the ratio under `maxRatio` ends them (a later run could only lower the shortest, so
 * the verdict is that of all 3; a scan gone quadratic is over the ratio on every run and runs all 3). Not wall time: on
 * a busy machine a run of a few ms fits in one scheduler slice while one of 100 ms is preempted, which would inflate
 * the ratio of a linear scan; the CPU a run used does not depend on the machine's load. One worker serves every shape
 * (its modules loaded once, not once a shape).
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const loaded = (async () => {
  const { maskXml } = await import(workerData.logger);
  const { resolveDialect } = await import('@iso8583/codec');
  return { maskXml, dialect: resolveDialect('iso87ascii') };
})();
const cpu = (maskXml, input, dialect) => {
  const start = process.cpuUsage();
  maskXml(input, dialect);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};
parentPort.on('message', ({ small, large, maxRatio }) => {
  loaded.then(({ maskXml, dialect }) => {
    let smallBest = Infinity;
    for (let run = 0; run < 3; run++) smallBest = Math.min(smallBest, cpu(maskXml, small, dialect));
    let largeBest = Infinity;
    for (let run = 0; run < 3 && largeBest / Math.max(smallBest, 1) >= maxRatio; run++) largeBest = Math.min(largeBest, cpu(maskXml, large, dialect));
    parentPort.postMessage([smallBest, largeBest]);
  }).catch((error) => parentPort.postMessage(String(error)));
});
`;

/** The worker every shape is timed in (started by the first, again after a deadline ended it), ended after the file. */
let shared: Worker | undefined;
after(() => shared?.terminate());

function timeShape(name: string, small: string, large: string): Promise<number[]> {
  const logger = new URL('../src/xml-mask.js', import.meta.url).href;
  const worker = (shared ??= new Worker(WORKER, { eval: true, workerData: { logger } }));
  return new Promise<number[]>((resolve, reject) => {
    const settle = (): void => {
      clearTimeout(timer);
      worker.off('message', answered);
      worker.off('error', failed);
    };
    const answered = (times: number[] | string): void => {
      settle();
      if (typeof times === 'string') reject(new Error(times));
      else resolve(times);
    };
    const failed = (error: Error): void => {
      settle();
      shared = undefined;
      reject(error);
    };
    const timer = setTimeout(() => {
      settle();
      shared = undefined;
      void worker.terminate();
      reject(new Error(`maskXml on "${name}" (${small.length} and ${large.length} chars) took over ${DEADLINE_MS} ms`));
    }, DEADLINE_MS);
    worker.on('message', answered);
    worker.on('error', failed);
    worker.postMessage({ small, large, maxRatio: MAX_RATIO });
  });
}

for (const [name, make] of Object.entries(SHAPES)) {
  test(`maskXml – ${name}: ${(SCALE * BASE) / 1e6} MB within ${DEADLINE_MS / 1000} s, ${SCALE}x the input well under ${SCALE * SCALE}x the time`, async () => {
    const [small, large] = await timeShape(name, make(BASE), make(SCALE * BASE));
    // Below a millisecond the ratio is noise: the large input is then cheap whatever the small one cost.
    const ratio = large! / Math.max(small!, 1);
    assert.ok(ratio < MAX_RATIO, `${BASE} chars took ${small!.toFixed(2)} ms, ${SCALE * BASE} chars ${large!.toFixed(2)} ms (x${ratio.toFixed(1)})`);
  });
}
