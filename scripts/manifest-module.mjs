// Turns connector-manifest.json (the description an integration platform reads, and the source of every option's
// schema and default) into TypeScript modules, before `tsc --build`: the connector gets the whole manifest, the inbound
// endpoint its `inboundEndpoint` part. The packages then carry their schemas in their compiled code, instead of
// looking for the JSON file at run time. A module is rewritten only when its text changes (so that an unchanged
// manifest does not make tsc rebuild the packages). The generated folders are ignored by git.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeIfChanged } from './write-if-changed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'connector-manifest.json'), 'utf8'));
if (manifest.inboundEndpoint?.parameters === undefined) {
  console.error('connector-manifest.json has no inboundEndpoint.parameters');
  process.exit(1);
}

const banner = '// Generated from connector-manifest.json by scripts/manifest-module.mjs at build time: do not edit.\n';
const modules = {
  'packages/connector/src/generated/manifest.ts': `${banner}/** The parsed connector-manifest.json. */\nexport const MANIFEST: unknown = ${JSON.stringify(manifest, null, 2)};\n`,
  'packages/inbound/src/generated/manifest.ts': `${banner}/** The JSON Schema of the inbound endpoint's options (\`inboundEndpoint.parameters\` of connector-manifest.json). */\nexport const INBOUND_OPTIONS_SCHEMA: unknown = ${JSON.stringify(manifest.inboundEndpoint.parameters, null, 2)};\n`,
};
for (const [file, text] of Object.entries(modules)) writeIfChanged(join(root, file), text);
