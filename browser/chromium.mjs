// Debian's Chromium as the tests and the benchmark launch it (playwright-core cannot
// download browsers here); the flags keep it from reaching for the network.

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
];

/**
 * A headless browser context with a persistent profile in `profile` (OPFS survives
 * reloads); `extraArgs` are more command-line flags.
 */
export function launch(profile, extraArgs = []) {
  return chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: [...ARGS, ...extraArgs] });
}
