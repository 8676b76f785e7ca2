// A late answer taken as an SAF attempt's answer (saf-queue.ts `lateAnswer`) is handled off the read loop: a throw
// while handling it (here the log line of a declined reversal) ran synchronously inside the connection's frame
// handler, and the stop's count of answers being handled was never released. Now it is a rejection handled there:
// the connection reads on and a close ends at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from 'pino';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { capturedLogger, endsWithin, peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { eventWithin } from '@iso8583/test-support';

/** `logger`, whose `warn` throws on the line of a declined reversal (a log sink that fails), children alike. */
function throwing(logger: Logger): Logger {
  return new Proxy(logger, {
    get(target, prop, receiver) {
      if (prop === 'child') return (...args: Parameters<Logger['child']>) => throwing(target.child(...args) as unknown as Logger);
      if (prop === 'warn') {
        return (obj: unknown, ...rest: unknown[]) => {
          if ((obj as { code?: unknown } | undefined)?.code === 'ISO8583_WARN_SAF_REVERSAL_DECLINED') throw new Error('log sink down');
          return (target.warn as (...a: unknown[]) => void)(obj, ...rest);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

test('a throw while handling a late answer to an SAF attempt leaves the read loop and the stop alone', async (t) => {
  let reversal: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (r.message['0'] === '0400') reversal = r; // the first 0200 and the 0400 go unanswered in time
      if (r.message['11'] === '071302') p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 1000, logger: throwing(capturedLogger('info').logger), reversal: { enabled: true, journalDir: tempDir(t, 'saf-late-throw'), retryInterval: 60_000 } },
  );
  await connector.connect();
  connector.on('reversal', (e) => {
    // The 0400 timed out and waits for its repeat: its answer (25, declined: ends it, logged at warn) comes now.
    if (e.stage === 'waiting' && reversal !== undefined) peer.send(reversal.socket, answer(reversal.message, { '39': '25' }));
  });
  const late = eventWithin(10_000, 'the 0410 was not received within 10 s', (resolve) => connector.on('late-response', () => resolve(undefined)));
  assert.equal((await failure(connector.request(purchase('071301')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await late;
  // The connection reads on: the next request is answered.
  const ok = connector.request(purchase('071302'));
  assert.equal((await ok)['39'], '00');
  assert.equal(await endsWithin(connector.close(), 1500), true, 'the close ends at once, not after its bound (2100 ms)');
});
