/**
 * `@iso8583/codec/error-text`: what an error line is made of, on its own (the codec's error class, the check that an
 * error code is shaped like one, the masking of free text), for a part that reports failures without coding messages
 * (the CLI's error line, the connector's error text): importing it loads a few small files, not the whole codec.
 * The same functions as the package's main entry point's.
 */
export { Iso8583Error, isIso8583Error } from './errors.js';
export { CODE_WITHHELD, isCodeShaped, safeErrorCode } from './error-code.js';
export { maskFreeText, maskUntrustedText } from './free-text.js';
