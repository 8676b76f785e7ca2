/**
 * XML view benchmark: `fromXml` and `toXml` of the WSO2 `ISOMessage` shape of an 0200 purchase (16 fields, track 2,
 * 130 characters of field 55, iso87ascii), each beside its reference in the same process and run: `fromXml` against
 * `unpack` (reading every field of the result), `toXml` against `pack`. Targets (issue 10): `fromXml` at least 0.25x
 * `unpack`, `toXml` at least 0.5x `pack`. Exits non-zero when a target is not met.
 *
 * Run: `npx tsc -b bench && node bench/dist/xml.bench.js` (or `npm run bench xml`). `BENCH_MS` sets the length of one
 * timed round in milliseconds of CPU time (default 500). Figures are operations per CPU-second of this process, the
 * median of 5 rounds that interleave all cases, after a warm-up.
 */
import { deepStrictEqual } from 'node:assert/strict';
import { createCodec, fromXml, toXml } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { PURCHASE, kept, timed } from './timing.js';

const ROUND_MS = Number(process.env.BENCH_MS ?? 500);
const ROUNDS = 5;

/** 130 characters of EMV data (test data, no real card), as the codec benchmark sends in field 55. */
const EMV_130 =
  '9F2608571F1E10D4FA4AAC9F2701809F100706010A03A4B8029F37045BB074729F3602000C950500800010009A031511189C01009F0206000000001000'.slice(
    0,
    130,
  ).padEnd(130, '0');

/** The purchase with field 55: wire-form values. Test card number only. */
const PURCHASE_55: Record<string, string> = { ...PURCHASE, '55': EMV_130 };


/** One timed operation. */
interface Case {
  name: string;
  fn: () => number;
  rates: number[];
  rate: number;
}

/** Reads every field of a message (nested objects too): what a caller of unpack or fromXml does with the result. */
function readAll(message: Record<string, unknown>): number {
  let n = 0;
  for (const key in message) {
    const value = message[key];
    n += typeof value === 'string' ? value.length : typeof value === 'object' && value !== null ? readAll(value as Record<string, unknown>) : 1;
  }
  return n;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US').padStart(11);
}

function main(): void {
  const codec = createCodec('iso87ascii');
  const bytes = codec.pack(PURCHASE_55);
  const xml = toXml(PURCHASE_55);
  const compact = toXml(PURCHASE_55, { pretty: false });
  const unpacked: IsoMessage = codec.unpack(bytes);
  deepStrictEqual(fromXml(xml).message, PURCHASE_55, 'fromXml of toXml gives the message back');
  deepStrictEqual(fromXml(compact).message, PURCHASE_55, 'fromXml of compact toXml gives the message back');
  const cases: Case[] = [
    { name: 'unpack + read', fn: () => readAll(codec.unpack(bytes)), rates: [], rate: 0 },
    { name: 'fromXml + read', fn: () => readAll(fromXml(xml).message), rates: [], rate: 0 },
    { name: 'fromXml compact', fn: () => readAll(fromXml(compact).message), rates: [], rate: 0 },
    { name: 'pack', fn: () => codec.pack(PURCHASE_55).length, rates: [], rate: 0 },
    { name: 'toXml', fn: () => toXml(unpacked).length, rates: [], rate: 0 },
    { name: 'toXml compact', fn: () => toXml(unpacked, { pretty: false }).length, rates: [], rate: 0 },
  ];
  console.log(
    `xml view benchmark: node ${process.version}, 0200 + F55 (130), ${bytes.length} bytes, ${xml.length} characters ` +
      `of XML; operations per CPU-second, median of ${ROUNDS} interleaved rounds of ${ROUND_MS} ms`,
  );
  for (const c of cases) timed(c.fn, Math.min(300, ROUND_MS));
  for (let r = 0; r < ROUNDS; r++) for (const c of cases) c.rates.push(timed(c.fn, ROUND_MS));
  for (const c of cases) c.rate = [...c.rates].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? 0;
  console.log('');
  for (const c of cases) console.log(`${c.name.padEnd(20)} ${fmt(c.rate)}/s`);
  console.log('');
  const rate = (name: string): number => cases.find((c) => c.name === name)!.rate;
  const checks: [string, number, number][] = [
    ['fromXml vs unpack', rate('fromXml + read') / rate('unpack + read'), 0.25],
    ['toXml vs pack', rate('toXml') / rate('pack'), 0.5],
  ];
  let allMet = true;
  for (const [what, ratio, target] of checks) {
    const met = ratio >= target;
    if (!met) allMet = false;
    console.log(`${what.padEnd(20)} ${ratio.toFixed(2).padStart(7)}x  (target >= ${target}x) ${met ? 'met' : 'NOT met'}`);
  }
  console.log('');
  console.log(allMet ? 'xml view targets: all met' : 'xml view targets: NOT all met');
  if (kept() < 0) console.log(kept());
  if (!allMet) process.exitCode = 1;
}

main();
