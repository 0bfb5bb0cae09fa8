/**
 * Debian's Chromium driven by playwright-core (no browser download: the machine's package), with
 * the flags this environment needs: without the background-networking ones Chromium keeps dialling
 * hosts the closed network refuses. Used by `npm run driver:demo` and the browser tests.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!CHROMIUM_PATH)
    throw new Error('Chromium is not installed: apt-get install -y chromium (.ci/run does this)');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
}
