/**
 * The check of TLS material, moved to `@iso8583/codec` (its one home, shared with the connector) and re-exported here
 * so that `@iso8583/inbound` and the import path `@iso8583/inbound/tls-material` keep it. Loads nothing but the check.
 */
export { tlsMaterialProblem } from '@iso8583/codec/tls-material';
export type { TlsMaterialInput, TlsMaterialProblem, TlsPem } from '@iso8583/codec/tls-material';
