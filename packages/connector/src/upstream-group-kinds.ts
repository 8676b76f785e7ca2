/**
 * How the group hands a request to each connector it tries: `request` (and `sendMessage` with an object), `sendMessage`
 * with text, `relay`; with `FILLS` added, field 11 is left to the connector (`autoFill.stan`): the original is
 * remembered as that connector sends it, once accepted there (`SENT_AS`), whatever the call. A kind and the caller's
 * arguments, not a closure: the common path (one try, answered, field 11 given) makes no object of the group's own but
 * the one promise that settles the try.
 */
/** `request`, and `sendMessage` with a message object. */
export const REQUEST = 0;
/** `sendMessage` with JSON or XML text. */
export const TEXT = 2;
/** `relay` of an encoded request. */
export const RELAY = 3;
/** Added to a kind: field 11 is left to the connector. */
export const FILLS = 4;
/** A kind: one of REQUEST, TEXT, RELAY, with FILLS maybe added. */
export type Kind = number;
