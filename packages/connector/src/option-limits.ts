/**
 * The bounds of the connector's count options, one constant per meaning (the durations are in `timeouts.ts`). The
 * option check refuses a value above its bound with a coded error naming the option; a program that builds connector
 * options from its own settings (the `iso8583 gateway` flags) bounds each setting by the same constant, so that its
 * own error names the setting the user gave. A test keeps the manifest's `maximum`s equal to these constants.
 */

/**
 * The most requests a connector accepts at once (`maxInFlight`) and the most one terminal may have waiting
 * (`terminalQueue.maxQueued`): 2147483647 (2^31 - 1). Each request is bounded in time by its own deadline.
 */
export const MAX_IN_FLIGHT = 2_147_483_647;

/**
 * The most connections of a node's PostgreSQL terminal lock pool (`terminalQueue.lockConnections`): 10000, one per
 * terminal with a request at the bank; each is a backend of the database, counted against its `max_connections`.
 */
export const MAX_TERMINAL_LOCK_CONNECTIONS = 10_000;

/**
 * The connections of a node's PostgreSQL terminal lock pool when not given (`terminalQueue.lockConnections`, the
 * gateway's `--terminal-lock-connections`, `PgTerminalLock`'s `max`): 20. A test keeps the manifest's `default` equal.
 */
export const DEFAULT_TERMINAL_LOCK_CONNECTIONS = 20;

/** The most attempts of a reversal or SAF entry before it is abandoned (`saf.maxAttempts`, `reversal.maxAttempts`): 2147483647. */
export const MAX_SAF_ATTEMPTS = 2_147_483_647;

/**
 * The most SAF attempts in flight at once to an upstream (`saf.maxInFlight`): 1000000. A backlog after an outage is
 * sent at this pace; more would hold a reversal per attempt in memory with no gain in speed.
 */
export const MAX_SAF_IN_FLIGHT = 1_000_000;

/** The most entries not yet ended a SAF queue holds before it refuses one a caller stores (`saf.maxEntries`): 2147483647. */
export const MAX_SAF_ENTRIES = 2_147_483_647;
