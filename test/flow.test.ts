/**
 * `iso8583 run FLOW.json` end to end: the example flow (examples/flows/payments.json) with a forwarding sequence that
 * calls the `bank` connector, a stand-in authorising sequence and the connector's HTTP routes, against the real host
 * simulator; and the validation of a broken flow file.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { hostPort, startCli, startSimulator, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('iso8583 run', () => {
  test('runs the example flow: the forwarding sequence calls the bank connector, the stand-in decides alone', async () => {
    const bank = await startSimulator();
    const flow = startCli(['run', join(repoRoot(), 'examples', 'flows', 'payments.json')], {
      env: { BANK_HOST: bank.host, BANK_PORT: String(bank.port), POS_PORT: '0', STANDIN_PORT: '0', HTTP_PORT: '0' },
    });
    const posLine = await flow.waitForLine(/^inbound pos listening on (\S+)/);
    const standinLine = await flow.waitForLine(/^inbound standin listening on (\S+)/);
    const httpLine = await flow.waitForLine(/^http listening on (\S+)/);
    await flow.waitForLine(/^flow payments ready/);

    const pos = hostPort(posLine[1] as string);
    const client = await PosClient.open(pos.host, pos.port);
    const forwarded = await client.request(purchase('FLOWPOS1', 1, 1500));
    assert.equal(forwarded['0'], '0210');
    assert.equal(forwarded['39'], '00');
    assert.ok(typeof forwarded['37'] === 'string', 'the bank set its retrieval reference (37): the answer came from the bank');
    await client.close();

    const standin = hostPort(standinLine[1] as string);
    const local = await PosClient.open(standin.host, standin.port);
    const small = await local.request(purchase('STANDIN1', 1, 5000));
    const large = await local.request(purchase('STANDIN1', 2, 50_000));
    assert.equal(small['39'], '00');
    assert.equal(large['39'], '61');
    await local.close();

    const http = hostPort(httpLine[1] as string);
    const res = await fetch(`http://${http.host}:${http.port}/bank/`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<ISOMessage><data><field id="0">0800</field><field id="11">000009</field><field id="70">301</field></data></ISOMessage>',
    });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<field id="0">0810<\/field>/);
    const stats = (await (await fetch(`http://${http.host}:${http.port}/stats`)).json()) as { connectors: { bank: { requests: number } } };
    assert.ok(stats.connectors.bank.requests >= 2);

    flow.kill('SIGTERM');
    const exit = await flow.exited;
    assert.equal(exit.code, 0);
    assert.match(flow.stdout(), /flow payments stopped/);
    bank.process.kill();
  });

  test('a flow file that breaks the schema is refused with every offending path and its line', async () => {
    const file = join(work, 'broken.json');
    writeFileSync(
      file,
      JSON.stringify(
        {
          connectors: { bank: { host: '127.0.0.1', port: 70000, frame: 'binary3' } },
          inboundEndpoints: { pos: { port: 0 } },
          http: { port: 0, routes: { nobank: '/x' } },
          extra: true,
        },
        null,
        2,
      ),
    );
    const run = startCli(['run', file]);
    const exit = await run.exited;
    assert.equal(exit.code, 1);
    const err = run.stderr();
    assert.match(err, /ISO8583_ERR_FLOW_INVALID/);
    assert.match(err, /broken\.json:5:\d+ \/connectors\/bank\/port/);
    assert.match(err, /\/connectors\/bank\/frame/);
    assert.match(err, /\/inboundEndpoints\/pos\/sequence: is required/);
    assert.match(err, /\/http\/routes\/nobank: names no connector/);
    assert.match(err, /\/extra: is not a known key/);
  });

  test('a sequence module that does not exist is named with its path in the flow', async () => {
    const file = join(work, 'missing.json');
    writeFileSync(file, JSON.stringify({ inboundEndpoints: { pos: { port: 0, sequence: './nowhere/seq.js' } } }));
    const run = startCli(['run', file]);
    assert.equal((await run.exited).code, 1);
    assert.match(run.stderr(), /ISO8583_ERR_FLOW_MODULE/);
    assert.match(run.stderr(), /\/inboundEndpoints\/pos\/sequence/);
  });

  test('run --schema prints the flow schema, made of the manifest schemas of the connector and the inbound endpoint', async () => {
    const run = startCli(['run', '--schema']);
    assert.equal((await run.exited).code, 0);
    const schema = JSON.parse(run.stdout()) as { properties: Record<string, { additionalProperties?: { properties?: Record<string, unknown> } }> };
    const connector = schema.properties.connectors?.additionalProperties?.properties ?? {};
    const inbound = schema.properties.inboundEndpoints?.additionalProperties?.properties ?? {};
    assert.ok('host' in connector && 'reversal' in connector && !('logger' in connector));
    assert.ok('sequence' in inbound && 'onError' in inbound && !('connectors' in inbound));
  });

  test('an unset environment variable without a default is named', async () => {
    const file = join(work, 'env.json');
    writeFileSync(file, JSON.stringify({ connectors: { bank: { host: '127.0.0.1', port: '${ISO8583_TEST_UNSET_PORT}' } } }));
    const run = startCli(['run', file, '--check']);
    assert.equal((await run.exited).code, 1);
    assert.match(run.stderr(), /\/connectors\/bank\/port: environment variable ISO8583_TEST_UNSET_PORT is not set/);
  });
});
