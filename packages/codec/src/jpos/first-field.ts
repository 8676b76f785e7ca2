/**
 * jPOS `firstField`: the first field number a packager's pack and unpack loops visit after the bitmap. The attribute
 * (on `isopackager` or an `isofieldpackager`) sets it; without it, `ISOBasePackager.getFirstField()` decides from the
 * field array: 0 when field 0 is itself a composite (an `ISOMsgFieldPackager`) or no field above 0 is defined, else 2
 * when field 1 is a bitmap class and 1 when it is not. Fields below it are never read, whatever their bits say, and
 * never written, although jPOS still sets their bits when they are present.
 */

/** What the rule needs to know of a packager level's fields. */
export interface FirstFieldInput {
  /** The field numbers defined at this level. */
  ids: Iterable<number>;
  /** Whether field 0 is an `isofieldpackager` (a composite). */
  zeroComposite: boolean;
  /** Whether field 1 is defined with a bitmap class. */
  oneBitmap: boolean;
}

/** The first field jPOS's loops visit: `explicit` (the attribute) when given, else `getFirstField()`'s default. */
export function jposFirstField(input: FirstFieldInput, explicit: number | undefined): number {
  if (explicit !== undefined) return explicit;
  if (input.zeroComposite) return 0;
  let highest = -1;
  for (const id of input.ids) if (id > highest) highest = id;
  // `fld.length > 1`: the field array runs to the highest number defined.
  if (highest < 1) return 0;
  return input.oneBitmap ? 2 : 1;
}
