import { registerSequence } from '../sequence-registry.js';
import type { Sequence } from '../sequence.js';
import { createHostSimulator } from './host-simulator.js';

let shared: Sequence | undefined;

/**
 * The named sequence `host-simulator`: one simulator with the default options (unknown Luhn-valid cards open with
 * 10,000.00), made on first use and shared by every endpoint that names it.
 */
const hostSimulator: Sequence = (message, context) => {
  shared ??= createHostSimulator();
  return shared(message, context);
};

registerSequence('host-simulator', hostSimulator);
