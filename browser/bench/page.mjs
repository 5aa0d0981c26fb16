// What the browser benchmarks share: the demo page, served from a site root, open and
// ready in a fresh headless Chromium; and the minimum and median of a cell's samples.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { serve } from '../server.mjs';
import { launch } from '../chromium.mjs';

/**
 * Serve `root`, open the demo page, run `use(page)`, then close everything. `chromiumArgs`
 * are more flags for the browser.
 */
export async function withDemoPage(root, use, chromiumArgs = []) {
  const server = await serve(root, 0);
  const profile = mkdtempSync(join(tmpdir(), 'sqlink-bench-'));
  const context = await launch(profile, chromiumArgs);
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForSelector('#status[data-ready="true"]', { timeout: 60_000 });
    return await use(page);
  } finally {
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The minimum and the median of `samples`. */
export function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)] };
}
