// What an endpoint shares with its connections (`EndpointCore`), made as `start()` makes it, for tests that drive the
// pipeline through `handleFrame` with a connection side of their own: real codecs, real timers, silent logs.
import { pino } from 'pino';
import { createCodec } from '@iso8583/codec';
import { LogLimit, LogLimits } from '@iso8583/metrics';
import type { EndpointCore } from '../../src/core.js';
import { DeadlineList } from '../../src/deadlines.js';
import { InFlightJobs } from '../../src/in-flight-jobs.js';
import type { InboundOptions, Sequence } from '../../src/index.js';
import { InboundMetrics } from '../../src/metrics.js';
import { validateInboundOptions } from '../../src/options.js';
import { sequenceExpired } from '../../src/pipeline.js';
import type { InFlight } from '../../src/pipeline.js';
import { rcFixedTextLength } from '../../src/reply-write.js';

/** A logger that writes nothing. */
export const silent = pino({ level: 'silent' });

/**
 * The core of an endpoint on port 0 for `sequence`, with `options` (default none) and its metrics named `name`; every
 * log silent, no `onError`.
 */
export function endpointCore(name: string, sequence: Sequence, options: Omit<InboundOptions, 'port' | 'sequence'> = {}): EndpointCore {
  const resolved = validateInboundOptions({ port: 0, sequence, ...options });
  let messages = 0;
  const codec = createCodec(resolved.dialect);
  const metrics = new InboundMetrics(name);
  return {
    options: resolved,
    codec,
    readBack: createCodec(resolved.dialect),
    rcFixedTextLength: rcFixedTextLength(codec.dialect),
    framing: { lengthHeader: resolved.frame },
    sequence,
    onError: undefined,
    metrics,
    jobs: new InFlightJobs(metrics, resolved.maxInFlight),
    logger: silent,
    sequenceLogger: silent,
    nextMessageId: () => `m-${++messages}`,
    deadlines: new DeadlineList<InFlight>(resolved.sequenceTimeout, sequenceExpired),
    decodeWarnings: new LogLimit(20),
    replyWarnings: new LogLimit(20),
    closeLines: new LogLimits(20),
  };
}
