/**
 * Fastify's schema compilers, loaded when a route first has a schema to compile. By default every `fastify()` loads
 * `@fastify/ajv-compiler` and `@fastify/fast-json-stringify-compiler` (a second ajv, ajv-formats, fast-json-stringify)
 * at once; our routes declare no schema, so the gateway and `iso8583 run` would pay for them at every start and never
 * use them. The compilers made are Fastify's own defaults, so a route with a schema is validated and serialised as
 * before, with one difference: given a `compilersFactory`, Fastify takes the validator for a custom one and no longer
 * lowercases the property names of a `headers` schema, so write header names in lower case in such a schema.
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
/** Both of Fastify's compiler factories take the shared schemas and the options of their server option. */
type Factory = (externalSchemas: unknown, options: unknown) => unknown;

/** Loads one of Fastify's own dependencies (resolved from where Fastify is, as Fastify itself would). */
function fastifyDependency(name: string): () => Factory {
  const ours = createRequire(import.meta.url);
  return createRequire(ours.resolve('fastify'))(name) as () => Factory;
}

/** A factory that makes Fastify's default one from `module` on its first call, then hands every call to it. */
function onFirstUse(module: string): Factory {
  let made: Factory | undefined;
  return (externalSchemas, options) => {
    made ??= fastifyDependency(module)();
    return made(externalSchemas, options);
  };
}

/**
 * The `schemaController` option of a `fastify()` call: Fastify's default validator and serializer compilers, each
 * made (and its module loaded) the first time Fastify asks for it, i.e. when a route with a schema is registered.
 */
export function lazySchemaCompilers(): { compilersFactory: CompilersFactory } {
  const compilersFactory = {
    buildValidator: onFirstUse('@fastify/ajv-compiler'),
    buildSerializer: onFirstUse('@fastify/fast-json-stringify-compiler'),
  };
  // The factories have Fastify's own signatures (they return Fastify's own compilers); its types spell them per
  // compiler flavour (ajv, JTD), which a pass-through need not repeat.
  return { compilersFactory: compilersFactory as unknown as CompilersFactory };
}
