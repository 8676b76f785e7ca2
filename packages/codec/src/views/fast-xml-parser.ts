/**
 * fast-xml-parser's `XMLParser` and `XMLValidator`, loaded the first time a document needs them: the canonical
 * ISOMessage shape is read by the one-pass scanner (xml-scan.ts) and most processes never parse XML any other way, so
 * the parser (some thirty modules) is not loaded at start. Its CommonJS build is loaded, synchronously, with the same
 * options and the same results as the ES module.
 */
import { createRequire } from 'node:module';
import type * as Fxp from 'fast-xml-parser';
import type { ValidationError, X2jOptions, validationOptions } from 'fast-xml-parser';

let loaded: typeof Fxp | undefined;

function fxp(): typeof Fxp {
  loaded ??= createRequire(import.meta.url)('fast-xml-parser') as typeof Fxp;
  return loaded;
}

/** fast-xml-parser's `XMLParser` with `options`, made at its first `parse`. */
export class XMLParser {
  private parser: Fxp.XMLParser | undefined;

  constructor(private readonly options: X2jOptions) {}

  /** Parses `xml` as fast-xml-parser's `XMLParser.parse` does. */
  parse(xml: string): unknown {
    this.parser ??= new (fxp().XMLParser)(this.options);
    return this.parser.parse(xml) as unknown;
  }
}

/** fast-xml-parser's `XMLValidator`. */
export const XMLValidator = {
  /** Checks that `xml` is well formed, as fast-xml-parser's `XMLValidator.validate` does. */
  validate(xml: string, options?: validationOptions): true | ValidationError {
    return fxp().XMLValidator.validate(xml, options);
  },
};
