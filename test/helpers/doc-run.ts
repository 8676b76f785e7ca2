/**
 * Running the command lines of the documents and of the `--help` examples with the real binary (the test files
 * doc-samples*.test.ts and help-examples.test.ts): a folder with `iso8583` on the PATH, free ports in place of the
 * documented ones, servers started and stopped with exit 0. {@link docRun} registers the folder's set-up and removal
 * (`before`/`after`) in the calling test file and gives its `runBlock`.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { eventWithin, repoRoot, reservePort } from '@iso8583/test-support';
import { BIN, killOnExit, startSimulator, stopAll } from './cli.js';
import { subcommandOf } from './doc-samples.js';
import type { DocCommand } from './doc-samples.js';

/** A port a command line names: a port flag, a `*_PORT=` variable or `127.0.0.1:N` (group 1 before it, group 2 the port). */
const PORT_PATTERN = /(--(?:port|listen|http|metrics|stats-port|listenPort|listenHttpPort|statServerPort)[ =]|[A-Z]+_PORT=|(?:127\.0\.0\.1|localhost):)(\d{2,5})\b/g;

/** What {@link docRun} gives a test file. */
export interface DocRun {
  /** The repository's root. */
  root: string;
  /** The work folder (removed when the file ends): `capture.bin`, the gateway's default state folder. */
  work: string;
  /**
   * Runs the command lines of one block, in order, with its marks, in `cwd`. A background line (`... &`) in `later`
   * (a later block of the file starts it too) stays up for that block, which takes it over: its port, its process, and
   * at the last block that names it, its stop with exit 0.
   */
  runBlock(commands: DocCommand[], marks: string[], cwd: string, later?: ReadonlySet<string>): Promise<void>;
}

/** Sets up the work folder for the calling test file (removed at its end) and returns how to run blocks there. */
export function docRun(): DocRun {
  const root = repoRoot();
  const work = mkdtempSync(join(tmpdir(), 'iso8583-doc-samples-'));
  const binDir = join(work, 'bin');
  const ENV: NodeJS.ProcessEnv = {
    ...process.env,
    // `iso8583` on the PATH is this checkout's binary.
    PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`,
    // The default reversal journal folder of a gateway a sample starts.
    XDG_STATE_HOME: join(work, 'state'),
  };
  /** Servers a block started in the background, stopped at its end. */
  const servers = new Set<ChildProcess>();
  /** How long a command may take, or a server to be ready. */
  const LIMIT_MS = 30_000;
  /** The simulator of the blocks marked `needs host`, started by the first of them and shared by the others. */
  let host: ReturnType<typeof startSimulator> | undefined;
  /**
   * Background lines an earlier block left up for a later one that starts the same line (by folder and documented
   * text): the server and the free ports its documented ones became.
   */
  const kept = new Map<string, { s: Awaited<ReturnType<typeof startServer>>; text: string; ports: Map<string, number> }>();
  /**
   * The server lines (not in the background) already run to their ready line and stopped with exit 0, by folder,
   * marks, documented text and the kept servers they ran with: the same line again (README.md and docs/console.md
   * start the same gateway in front of the same simulator) checks nothing new and is not started twice.
   */
  const ranServers = new Set<string>();

  before(() => {
    mkdirSync(binDir, { recursive: true });
    const wrapper = join(binDir, 'iso8583');
    writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    // The capture the `decode --help` example reads: two echo requests, each after a 4-digit ASCII length.
    const echo = Buffer.from('0800822000000000000004000000000000001121103000000001301', 'ascii');
    const framed = Buffer.concat([Buffer.from(String(echo.length).padStart(4, '0'), 'ascii'), echo]);
    writeFileSync(join(work, 'capture.bin'), Buffer.concat([framed, framed]));
  });

  after(async () => {
    for (const s of servers) s.kill('SIGKILL');
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  });

  /**
   * The port numbers a block names (flags, `*_PORT=` variables, `127.0.0.1:N`), each mapped to a reserved port (held
   * until the process exits: a port found free would be handed out again before the block's server listens on it).
   */
  async function portMap(commands: DocCommand[]): Promise<Map<string, number>> {
    const map = new Map<string, number>();
    const text = commands.map((c) => c.text).join('\n');
    for (const m of text.matchAll(PORT_PATTERN)) if (!map.has(m[2] as string) && m[2] !== '0') map.set(m[2] as string, (await reservePort()).port);
    return map;
  }

  function withPorts(text: string, ports: Map<string, number>): string {
    return text.replace(
      PORT_PATTERN,
      (all, prefix: string, port: string) => (ports.has(port) ? `${prefix}${ports.get(port) as number}` : all),
    );
  }

  /** Whether a command line runs until stopped (a server), rather than to its end. */
  function isServer(text: string): boolean {
    const sub = subcommandOf(text);
    if (/--help|--check-config|--validate/.test(text)) return false;
    return sub === 'simulate-host' || sub === 'gateway' || sub === 'run' || (sub === 'demo' && !text.includes('--once'));
  }

  /** Starts a server line (`VAR=value ... iso8583 ...`, no pipes) and resolves once it prints its ready line. */
  async function startServer(text: string, cwd: string): Promise<{ child: ChildProcess; exited: Promise<number | null>; output: () => string }> {
    const m = /^((?:[A-Z_]+=\S*\s+)*)(.*)$/.exec(text) as RegExpExecArray;
    const env = { ...ENV };
    for (const assignment of (m[1] as string).trim().split(/\s+/).filter((a) => a !== '')) {
      const i = assignment.indexOf('=');
      env[assignment.slice(0, i)] = assignment.slice(i + 1);
    }
    // exec: the signal reaches the command itself, whose exit code is the one checked.
    const child = spawn('sh', ['-c', `exec ${m[2] as string}`], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    servers.add(child);
    killOnExit(child);
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
      servers.delete(child);
      resolve(code);
    }));
    await eventWithin<void>(LIMIT_MS, () => `${text}: no ready line within ${LIMIT_MS} ms: ${out}`, (resolve, reject) => {
      const check = (): void => {
        if (/listening|ready/.test(out)) resolve();
      };
      child.stdout?.on('data', check);
      void exited.then((code) => {
        reject(new Error(`${text}: exited (${code}) before its ready line: ${out}`));
      });
    });
    return { child, exited, output: () => out };
  }

  /** Stops a server with SIGTERM; it must exit 0. */
  async function stopServer(s: { child: ChildProcess; exited: Promise<number | null>; output: () => string }, text: string): Promise<void> {
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0, `${text} stopped with exit 0: ${s.output()}`);
  }

  /** Runs a one-shot line to its end; it must exit 0. */
  function runLine(text: string, cwd: string): Promise<{ stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      execFile('sh', ['-c', text], { cwd, env: ENV, timeout: LIMIT_MS }, (err, stdout, stderr) => {
        if (err !== null) reject(new Error(`${text}: ${err.message}\nstdout: ${stdout}\nstderr: ${stderr}`));
        else resolve({ stdout, stderr });
      });
    });
  }

  /** The documented port numbers a command line names. */
  function portsNamed(text: string): string[] {
    return [...text.matchAll(PORT_PATTERN)].map((m) => m[2] as string).filter((p) => p !== '0');
  }

  /** Runs the command lines of one block, in order, with its marks (`later`: see {@link DocRun.runBlock}). */
  async function runBlock(commands: DocCommand[], marks: string[], cwd: string, later: ReadonlySet<string> = new Set()): Promise<void> {
    const ports = await portMap(commands);
    // A background line an earlier block left up: this block's lines reach it on its ports.
    const keyOf = (text: string): string => `${cwd}\n${text}`;
    const taken = commands.filter((c) => c.background && kept.has(keyOf(c.text))).map((c) => keyOf(c.text));
    for (const key of taken) for (const [doc, free] of kept.get(key)?.ports ?? []) ports.set(doc, free);
    const background: { s: Awaited<ReturnType<typeof startServer>>; text: string }[] = [];
    if (marks.includes('needs host')) {
      host ??= startSimulator();
      const bank = await host;
      for (const m of commands.map((c) => c.text).join('\n').matchAll(/--port[ =](\d+)/g)) ports.set(m[1] as string, bank.port);
    }
    try {
      for (const command of commands) {
        let text = withPorts(command.text, ports);
        if (marks.includes('check-config') && subcommandOf(text) === 'gateway' && !text.includes('--check-config')) text += ' --check-config';
        if (command.background) {
          const key = keyOf(command.text);
          if (kept.has(key)) continue;
          const s = await startServer(text, cwd);
          if (later.has(command.text)) {
            kept.set(key, { s, text, ports: new Map(portsNamed(command.text).map((doc) => [doc, ports.get(doc) as number])) });
            taken.push(key);
          } else background.push({ s, text });
        } else if (isServer(text)) {
          const ran = `${cwd}\n${marks.join(',')}\n${command.text}\n${taken.join('\n')}`;
          if (taken.length > 0 && ranServers.has(ran)) continue;
          await stopServer(await startServer(text, cwd), text);
          if (taken.length > 0) ranServers.add(ran);
        } else {
          const { stdout } = await runLine(text, cwd);
          assert.notEqual(stdout.trim(), '', `${text} printed something`);
          if (command.expected !== undefined) assert.deepEqual(JSON.parse(stdout), command.expected, `${text} prints what the document shows`);
        }
      }
    } finally {
      for (const b of background.reverse()) await stopServer(b.s, b.text);
    }
    // The kept lines no later block starts: stopped here, with exit 0.
    for (const key of taken.reverse()) {
      const k = kept.get(key);
      if (k === undefined || later.has(key.slice(cwd.length + 1))) continue;
      kept.delete(key);
      await stopServer(k.s, k.text);
    }
  }
  return { root, work, runBlock };
}
