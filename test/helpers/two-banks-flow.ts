/**
 * The two-banks example flow (examples/flows/two-banks.json) run by the real `iso8583` binary in front of two real
 * simulators, the `primary` and the `backup` of its `bank` upstream group: shared by the flow's upstream-group tests
 * and its console test.
 */
import { join } from 'node:path';
import { repoRoot, waitUntil } from '@iso8583/test-support';
import { hostPort, startCli, startSimulator } from './cli.js';
import type { CliProcess } from './cli.js';

/** The running flow and its two banks. */
export interface TwoBanksFlow {
  /** The `iso8583 run` process. */
  flow: CliProcess;
  /** The simulator behind the `primary` connector. */
  primary: CliProcess;
  /** The simulator behind the `backup` connector. */
  backup: CliProcess;
  /** The flow's POS inbound endpoint. */
  pos: { host: string; port: number };
  /** The flow's HTTP server. */
  http: { host: string; port: number };
}

/**
 * Starts both simulators and the flow (every port 0), and resolves once the flow says it is ready and both upstreams
 * of its group are healthy (a request sent before would find no upstream up on a busy machine: a 96).
 */
export async function startTwoBanksFlow(): Promise<TwoBanksFlow> {
  const [primary, backup] = await Promise.all([startSimulator(), startSimulator()]);
  const flow = startCli(['run', join(repoRoot(), 'examples', 'flows', 'two-banks.json')], {
    env: {
      PRIMARY_HOST: primary.host, PRIMARY_PORT: String(primary.port),
      BACKUP_HOST: backup.host, BACKUP_PORT: String(backup.port),
      POS_PORT: '0', HTTP_PORT: '0',
    },
  });
  const pos = hostPort((await flow.waitForLine(/^inbound pos listening on (\S+)/))[1] as string);
  const http = hostPort((await flow.waitForLine(/^http listening on (\S+)/))[1] as string);
  await flow.waitForLine(/^flow two-banks ready/);
  const healthy = async (): Promise<true | undefined> => {
    const stats = (await (await fetch(`http://${http.host}:${http.port}/stats`)).json()) as { upstreamGroups: { bank: { healthy: string[] } } };
    return stats.upstreamGroups.bank.healthy.length === 2 ? true : undefined;
  };
  await waitUntil(healthy, { what: 'both upstreams of the group healthy' });
  return { flow, primary: primary.process, backup: backup.process, pos, http };
}
