/**
 * The bounds of the inbound endpoint's connection-count options, one constant per meaning. The option check (the
 * inbound schema of `connector-manifest.json`) refuses a value above its bound with a coded error naming the option; a
 * program that builds inbound options from its own settings (the `iso8583 gateway` flags) bounds each setting by the
 * same constant, so that its own error names the setting the user gave, before anything starts. A test keeps the
 * manifest's `maximum`s equal to these constants.
 */

/**
 * The most connections an endpoint holds at once (`maxConnections`), and the most one peer may hold
 * (`maxConnectionsPerAddress`): 4294967295 (2^32 - 1).
 */
export const MAX_CONNECTIONS = 4_294_967_295;
