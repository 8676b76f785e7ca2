/**
 * The one list of a link's sends, read by every wrapper the command line puts around a connector or an upstream
 * group (the gateway stop's abort, gateway/stop-abort.ts; a flow's book of answers, flow/watched-connectors.ts).
 */
import type { Connector, UpstreamGroup } from '@iso8583/connector';

/** The name of a method that a connector and an upstream group both have and that sends a request and waits for its answer. */
export type LinkSend = 'request' | 'sendMessage' | 'relay';

// Each name a method of both (a renamed or removed send fails the build here, not at run time in a wrapper).
type Methods<T> = { [K in keyof T]: T[K] extends (...a: never[]) => unknown ? K : never }[keyof T];
const checked: readonly (LinkSend & Methods<Connector> & Methods<UpstreamGroup>)[] = ['request', 'sendMessage', 'relay'];

/**
 * The methods of a link (a connector, an upstream group, traced or not) that send a request and wait for its answer:
 * `request`, `sendMessage`, `relay`. Every other member neither sends nor answers.
 */
export const LINK_SENDS: ReadonlySet<PropertyKey> = new Set<PropertyKey>(checked);
