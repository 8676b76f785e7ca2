/**
 * `@iso8583/codec`: the ISO 8583:1987 codec. Dialects as data (built-in 1987 layouts, JSON dialect files, jPOS
 * GenericPackager XML), pack/unpack with validation, XML and JSON views, EMV TLV, masked description and stream
 * framing, and the framed message stream over a byte stream that someone else opened (the codec opens no socket).
 */
export type {
  IsoMessage,
  MessageInput,
  FieldType,
  ValueEncoding,
  PrefixEncoding,
  LengthPrefix,
  TextPad,
  Sensitivity,
  FieldSpec,
  BitmapSpec,
  CompositeSpec,
  Dialect,
  DialectVersion,
  DialectReversal,
  DialectNetworkManagement,
} from './types.js';
export {
  CODEC_ERROR_CODES,
  CODEC_ERROR_HTTP_STATUS,
  Iso8583Error,
  MAX_PROBLEMS_IN_TEXT,
  codecError,
  invalidMessage,
  isIso8583Error,
} from './errors.js';
export type { CodecErrorCode, FieldProblem, Iso8583ErrorCode, Iso8583ErrorCodes, Iso8583ErrorContext } from './errors.js';
export { createCodec } from './codec.js';
export { pack, unpack } from './codec-cache.js';
export type { Codec, CodecOptions, PackOptions, Decoded } from './codec-types.js';
export { BUILTIN_DIALECTS, getDialect } from './dialect/builtin.js';
export { dialectFromJson } from './dialect/json-dialect.js';
export type { DialectFromJsonOptions } from './dialect/json-dialect.js';
export { resolveDialect } from './dialect/resolve.js';
export { dialectLoadReason } from './dialect/load-reason.js';
export { relaysBytes, sameDialect } from './dialect/same.js';
export { dialectFromPackagerXml } from './jpos/packager-xml.js';
export { toXml, fromXml, MAX_PARSED_XML_LENGTH, MAX_XML_LENGTH, MAX_XML_REFERENCES } from './views/xml.js';
export type { FromXmlOptions, XmlOptions, XmlMessage } from './views/xml.js';
export { toJson, fromJson, fromObject, readJson } from './views/json.js';
export { INEXACT_NUMBER_REASON, MAX_REPEATED_KEYS, TOO_BIG_NUMBER_REASON, inexactNumbers, isInexactNumber, isTooBigNumber, repeatedKeys, scanRepeatedKeys } from './views/json-keys.js';
export type { RepeatedKeyScan } from './views/json-keys.js';
export { withoutBom } from './without-bom.js';
export { toSocketQueueObject } from './views/socketqueue.js';
export type { SocketQueueMessage, SocketQueueValue } from './views/socketqueue.js';
export type { JsonMessage, JsonOptions } from './views/json.js';
export { readMessage, writeMessage } from './views/message-io.js';
export type { MessageForm, MessageRead, MessageIoOptions } from './views/message-io.js';
export { parseTlv, buildTlv, isTlvTag, MAX_TLV_DEPTH } from './emv/tlv.js';
export type { TlvItem } from './emv/tlv.js';
export { emvToTags, emvFromTags } from './emv/tags.js';
export { describableTlv } from './emv/describable.js';
export type { EmvTags } from './emv/tags.js';
export { EMV_TAG_NAMES } from './emv/tag-names.js';
export { describe } from './describe.js';
export { SENSITIVE_AUTHENTICATION_FIELDS, authenticationDataFields, cardDataFields } from './card-data.js';
export {
  DEFAULT_SENSITIVE_FIELDS,
  isFieldKey,
  isSubfieldObject,
  maskEmv,
  maskFieldValue,
  maskKey,
  maskMessage,
  maskTrack,
  maskValue,
  sensitiveFields,
  summarize,
  trackPan,
} from './mask.js';
export type { MessageSummary } from './mask.js';
export { maskFreeText, maskUntrustedText } from './free-text.js';
export { isMaskedPan, luhnValid, maskPan } from './pan.js';
export { groupedNumber, hasPanShapedRun, maskDigitRuns, maskGroupedNumbers } from './digit-runs.js';
export { hexPanRuns } from './hex-runs.js';
export { maskHeader } from './header-mask.js';
export { CODE_WITHHELD, isCodeShaped, safeErrorCode } from './error-code.js';
export { FrameDecoder, checkFraming, encodeFrame, encodeKeepAlive, swapTpdu } from './framing/frame.js';
export type { LengthHeader, FramingOptions, Frame } from './framing/frame.js';
export { defaultReplyHeaderPolicy, replyHeader } from './framing/reply-header.js';
export type { ReplyHeaderPolicy } from './framing/reply-header.js';
export { MessageStream } from './stream/message-stream.js';
export { MAX_READ_TIMEOUT } from './stream/stream-options.js';
export type { MessageStreamHandlers } from './stream/stream-handlers.js';
export { RESET_KEEP_MAX, RESET_WINDOW } from './stream/recent-writes.js';
export { LookClock } from './stream/look-clock.js';
export type { MessageStreamOptions } from './stream/stream-options.js';
/**
 * Checking a value against a JSON Schema with every offending path named (never the value): `compileSchemaCheck`
 * (options: `paths` default `dotted`, `root` default `(options)` / `/`, `unknownReason` default `is not a known key`,
 * `useDefaults` and `coerceTypes` default `false`), `schemaCheckError` and `assertSchemaCheck` for the coded error.
 */
export { assertSchemaCheck, compileSchemaCheck, schemaCheckError } from './schema/check.js';
export type { SchemaCheck, SchemaCheckOptions } from './schema/check.js';
export { recoverFields } from './recover.js';
export type { RecoverOptions } from './recover.js';
export { expectsResponse, isKnownEdition, isNetworkManagement, responseMti } from './mti.js';
export { RESPONSE_ECHOED_FIELDS, responseTo } from './response-to.js';
export { dialectVersion, inVersion, mtiLabel, mtiVersionDigit, networkManagementMti, originalDataElementsField, responseCodeLabel } from './dialect/version.js';
export { reversalMessageProblems } from './dialect/reversal-check.js';
export { DEFAULT_APPROVAL_CODES, approvalCode, approvalCodesOf, isAcceptedFor, isApprovalClass, isApproved } from './approval.js';
export type { ApprovalDialect } from './approval.js';
export { isSystemError, systemErrorCodesOf } from './system-error.js';
export type { SystemErrorDialect } from './system-error.js';
export { ACTION_CODE_SYSTEM_MALFUNCTION, actionCode1993, responseCodeFor, responseCodeIn, speaksResponseCodes1987, unmappedOwnAnswerCodes, unmappedOwnAnswerCodesReason } from './action-code.js';
export { wireHex } from './wire-hex.js';
/**
 * TLS material (PEM CA certificates, a certificate, its private key) checked as Node's TLS will use it, before any
 * socket opens: `tlsMaterialProblem` returns the first problem (the name it was given, e.g. `tls.ca` or `--tls-ca`,
 * and a reason that never holds the material), or `undefined`; `hideTlsKey` freezes a `tls` option group whose `key`
 * JSON and `util.inspect` show as `[set]`. Also the import path `@iso8583/codec/tls-material`.
 */
export { hideTlsKey, tlsMaterialProblem } from './tls-material.js';
export type { TlsMaterialInput, TlsMaterialProblem, TlsPem } from './tls-material.js';
/**
 * A `Map<string, V>` over a null-prototype object, for maps that gain and lose an entry per request (a channel's
 * requests awaiting their answer, a journal's open entries, the host simulator's indexes): a `Map` churned so makes the
 * garbage collector promote every request it held (see dictionary-map.ts). Iterates array-index keys first.
 */
export { DictionaryMap } from './dictionary-map.js';
/**
 * Copies of decoded values for a holder that keeps them beyond their message's lifetime: a decoded field of 13
 * characters or more is a cut of its message's text and keeps the whole message alive (see owned-text.ts).
 * `ownedText(value)` returns a copy holding only its own characters, `ownedOptional` the same for a value that may be
 * absent, `ownedMessage(message)` a message of such copies. The codec's `unpack` never copies: copy at the point
 * where a value is stored.
 */
export { ownedMessage, ownedOptional, ownedText } from './owned-text.js';
