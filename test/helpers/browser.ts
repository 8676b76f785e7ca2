/**
 * A real browser for the console's tests and screenshots: Debian's chromium (`/usr/bin/chromium`, or
 * `ISO8583_CHROMIUM`) driven by playwright-core, headless, in a throw-away profile. A missing chromium is a clear
 * failure, not a skip (CI installs it: .ci/run); `ISO8583_SKIP_BROWSER=1` skips on purpose.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

/** The chromium binary. */
export const CHROMIUM = process.env.ISO8583_CHROMIUM ?? '/usr/bin/chromium';

/** The flags of a quiet, headless chromium that phones nowhere. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser tests cannot run: set only when `ISO8583_SKIP_BROWSER=1` says to skip them. */
export function browserSkip(): string | undefined {
  return process.env.ISO8583_SKIP_BROWSER === '1' ? 'ISO8583_SKIP_BROWSER=1' : undefined;
}

/** A running browser. */
export interface TestBrowser {
  /** The browser context (one profile). */
  context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Launches chromium with a fresh profile; a missing binary fails with what to install. */
export async function openBrowser(viewport = { width: 1280, height: 900 }): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium is missing at ${CHROMIUM}: install it (apt-get update && apt-get install -y chromium; .ci/run does) or set ISO8583_CHROMIUM; ISO8583_SKIP_BROWSER=1 skips the browser tests`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'iso8583-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    timeout: 30_000,
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
