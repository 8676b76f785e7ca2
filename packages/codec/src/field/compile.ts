/**
 * A layout: a set of data elements and how their presence is told. In a message (and in a composite field with a
 * sub-bitmap) a bitmap says which fields follow, in ascending order; in a positional composite field every sub-field
 * follows in order. Compiled once per dialect and never written afterwards: the state of a pack lives in its
 * `Writer`, of an unpack in its `Reader`. Packed by `pack.ts`, checked by `validate.ts`, unpacked by
 * `unpack.ts`; composite fields by `composite.ts`. The one thing that changes afterwards is its bounded cache of the
 * bitmaps it has read (`shapes.ts`) and of the sets of keys it has packed (`pack-shapes.ts`), which hold field
 * numbers only, never message data.
 */
import type { BitmapSpec, CompositeSpec, FieldSpec } from '../types.js';
import type { FieldPlan } from './plan.js';
import { compileField } from './plan.js';
import { Shapes } from './shapes.js';
import { PackShapes } from './pack-shapes.js';
import { BITMAP_BINARY, BITMAP_EBCDIC, BITMAP_HEX, bitmapWireSize } from '../bitmap/bitmap.js';

const BITMAP_ENCODINGS: Record<string, number> = { binary: BITMAP_BINARY, hex: BITMAP_HEX, ebcdic: BITMAP_EBCDIC };

/** The key under which a composite field shows its fixed header bytes (uppercase hex). */
export const COMPOSITE_HEADER_KEY = 'header';

/** A compiled layout of fields. */
export class Layout {
  /** Plans by field number. */
  readonly plans: (FieldPlan | undefined)[];
  /** The plans in ascending order. */
  readonly order: FieldPlan[];
  /** True for a composite field's contents (sub-fields), false for a message. */
  readonly composite: boolean;
  /** Without a bitmap: every field in order. */
  readonly positional: boolean;
  /** One of the `BITMAP_*` constants. */
  readonly bitmapEncoding: number;
  /** A sub-field bitmap of this many bytes (bit N = sub-field N, no secondary bitmap); 0: the message rules. */
  readonly bitmapBytes: number;
  /** Bit 65 announces a tertiary bitmap. */
  readonly tertiary: boolean;
  /** Bit 65 marks field 65 as well as announcing the tertiary bitmap (`BitmapSpec.tertiaryField65`). */
  readonly tertiaryField65: boolean;
  /** Set bits below this field number are ignored when unpacking (`BitmapSpec.firstField`; 0: none are). */
  readonly firstField: number;
  /** Positional only: absent fields after the last present one are not sent (`CompositeSpec.omitTrailingAbsent`). */
  readonly omitTrailingAbsent: boolean;
  /** The largest field number a bitmap can mark. */
  readonly maxField: number;
  /** Fixed bytes before a composite's sub-fields. */
  readonly headerLength: number;
  /** Field path prefix for errors (`"127."` for the sub-fields of 127). */
  readonly path: string;
  /** The field named in bitmap errors: `"1"` for a message, `"127.bitmap"` for the sub-fields of 127. */
  readonly bitmapField: string;
  /** The bitmaps read so far, each with the fields it marks (filled by unpacks). */
  readonly shapes = new Shapes();
  /** The plans of the sets of keys packed often (filled by packs; `pack-shapes.ts`). */
  readonly packShapes = new PackShapes();

  constructor(
    fields: Record<string, FieldSpec>,
    bitmap: BitmapSpec | undefined,
    composite: boolean,
    path: string,
    headerLength = 0,
    omitTrailingAbsent = false,
  ) {
    this.composite = composite;
    this.positional = bitmap === undefined;
    this.bitmapEncoding = bitmap === undefined ? BITMAP_BINARY : (BITMAP_ENCODINGS[bitmap.encoding] ?? BITMAP_BINARY);
    this.bitmapBytes = composite && bitmap?.length !== undefined ? bitmap.length : 0;
    this.tertiary = bitmap?.tertiary === true;
    this.tertiaryField65 = this.tertiary && bitmap?.tertiaryField65 === true;
    this.firstField = bitmap?.firstField ?? 0;
    this.omitTrailingAbsent = this.positional && omitTrailingAbsent;
    this.maxField = this.bitmapBytes > 0 ? 8 * this.bitmapBytes : this.tertiary ? 192 : 128;
    this.headerLength = headerLength;
    this.path = path;
    this.bitmapField = path === '' ? '1' : `${path}bitmap`;
    this.plans = [];
    const nums = Object.keys(fields)
      .map(Number)
      .sort((a, b) => a - b);
    for (const num of nums) {
      const spec = fields[String(num)]!;
      // The dialect check refused what a bitmap cannot mark (fields 0 and 1, 65 with a tertiary bitmap, numbers past
      // the bitmap); a layout compiles every field it is given.
      const id = path + num;
      const sub = spec.subfields === undefined ? undefined : compileComposite(spec.subfields, `${id}.`);
      this.plans[num] = compileField(id, num, spec, sub);
    }
    this.order = this.plans.filter((p): p is FieldPlan => p !== undefined);
  }

  /** Bytes to keep before the fields for the largest bitmap this layout can have (0 when positional). */
  maxBitmapSize(): number {
    if (this.positional) return 0;
    if (this.bitmapBytes > 0) return bitmapWireSize(this.bitmapEncoding, this.bitmapBytes);
    return bitmapWireSize(this.bitmapEncoding, this.tertiary ? 24 : 16);
  }

  /** Bitmap bytes (8, 16 or 24; or the sub-field bitmap's size) when the highest field present is `maxId`. */
  bitmapBytesFor(maxId: number): number {
    if (this.bitmapBytes > 0) return this.bitmapBytes;
    return maxId > 128 ? 24 : maxId > 64 ? 16 : 8;
  }
}

/** Compiles the layout of a composite field's contents. */
export function compileComposite(spec: CompositeSpec, path: string): Layout {
  return new Layout(spec.fields, spec.bitmap, true, path, spec.headerLength ?? 0, spec.omitTrailingAbsent === true);
}
