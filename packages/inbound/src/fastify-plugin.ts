import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { createInboundEndpoint } from './endpoint.js';
import { inboundError } from './errors.js';
import type { InboundEndpoint } from './endpoint.js';
import type { InboundOptions } from './options.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The inbound endpoints registered with `iso8583Inbound`, by name. */
    inbound: Record<string, InboundEndpoint>;
  }
}

async function plugin(app: FastifyInstance, options: InboundOptions): Promise<void> {
  const endpoint = createInboundEndpoint({ ...options, logger: options.logger ?? (app.log as unknown as Logger) });
  if (!app.hasDecorator('inbound')) app.decorate('inbound', {} as Record<string, InboundEndpoint>);
  if (Object.hasOwn(app.inbound, endpoint.name)) {
    await endpoint.close();
    throw inboundError('ISO8583_ERR_INBOUND_OPTIONS', `an inbound endpoint named "${endpoint.name}" is already registered`, {
      field: 'name',
    });
  }
  app.inbound[endpoint.name] = endpoint;
  app.addHook('onReady', async () => {
    await endpoint.start();
  });
  app.addHook('onClose', async () => {
    await endpoint.close();
  });
}

/**
 * Fastify plugin: `app.register(iso8583Inbound, options)` makes an inbound endpoint (options as for
 * `createInboundEndpoint`; the logger defaults to `app.log`), starts it when the app is ready, closes it on
 * `onClose`, and puts it in `app.inbound[name]`. Register it once per endpoint, with different names.
 */
export const iso8583Inbound: FastifyPluginAsync<InboundOptions> = fp(plugin, {
  name: '@iso8583/inbound',
  fastify: '5.x',
});
