// Profile of one query's extension calls in headless Chromium, the engine run on the page
// (so CDP's profiler sees it), with a watch buffer as the worker has: self time by function.
//   node bench/profile.mjs [noop|md5]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../build.mjs';
import { withDemoPage } from './page.mjs';

const which = process.argv[2] ?? 'noop';
const here = fileURLToPath(new URL('..', import.meta.url));
const identity = readFileSync(join(here, '..', 'target', 'wasm', 'test', 'identity.wasm')).toString('base64');
const root = build();
await withDemoPage(root, async (page) => {
  await page.evaluate(async ([identityBase64]) => {
    const { Session } = await import('/engine.js');
    const watch = new Int32Array(new SharedArrayBuffer(4 * 8));
    const session = new Session(null, { bytes: null, baseURI: location.href, watch, onLoad: () => {} });
    await session.start();
    await session.loadExtension('md5');
    await session.loadExtension(Uint8Array.from(atob(identityBase64), (c) => c.charCodeAt(0)));
    await session.exec(`CREATE TABLE t(x); WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100000)
        INSERT INTO t SELECT 'row ' || i FROM s`);
    globalThis.session = session;
  }, [identity]);
  const sql = { noop: 'SELECT count(noop()) FROM t', md5: 'SELECT count(md5(x)) FROM t', scan: 'SELECT count(x) FROM t' }[which];
  await page.evaluate(async (q) => { for (let i = 0; i < 3; i++) await session.exec(q); }, sql);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 20 });
  await cdp.send('Profiler.start');
  const ms = await page.evaluate(async (q) => { const t = performance.now(); for (let i = 0; i < 10; i++) await session.exec(q); return (performance.now() - t) / 10; }, sql);
  const { profile } = await cdp.send('Profiler.stop');
  const self = new Map();
  const total = profile.samples.length;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  for (const [id, n] of counts) {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + n);
  }
  console.log(`${which}: ${(ms * 1e6 / 100000).toFixed(0)} ns per row on the page (mean of 10 while profiling), ${total} samples`);
  for (const [key, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(100 * n / total).toFixed(1).padStart(6)}%  ${key}`);
});
