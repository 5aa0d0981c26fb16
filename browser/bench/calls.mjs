// Browser benchmark: what one extension call costs per row in headless Chromium, through
// sqlink.js (the database in its worker, extensions in wasm) beside @sqlite.org/sqlite-wasm
// with JavaScript functions (md5 from the js-md5 package) on the same page. Repetitions
// alternate between the two after one unrecorded round (the JIT warming up); each cell is
// the minimum and the median. Before each timed query the page collects its garbage and
// waits a moment: otherwise V8's concurrent collector, cleaning up after the JavaScript md5
// over 100,000 rows, runs on one of this machine's two cores during the next query, and
// sqlink's bare scan measured 240 to 315 ns per row instead of 75.
//
//   node bench/calls.mjs [--quick]

import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from '../build.mjs';
import { summary, withDemoPage } from './page.mjs';

const quick = process.argv.includes('--quick');
const ROWS = quick ? 2_000 : 100_000;
const REPETITIONS = quick ? 2 : 7;

const here = fileURLToPath(new URL('..', import.meta.url));
const identity = readFileSync(join(here, '..', 'target', 'wasm', 'test', 'identity.wasm')).toString('base64');

// The comparison's libraries are served beside the site, for this run only.
const root = build();
const vendor = join(root, 'bench-vendor');
mkdirSync(vendor, { recursive: true });
cpSync(join(here, 'node_modules', '@sqlite.org', 'sqlite-wasm', 'dist'), join(vendor, 'sqlite-wasm'), { recursive: true });
cpSync(join(here, 'node_modules', 'js-md5', 'build', 'md5.mjs'), join(vendor, 'md5.mjs'));

await withDemoPage(root, async (page) => {
  const results = await page.evaluate(
    async ([rows, repetitions, identityBase64]) => {
      const sqlink = await import('/sqlink.js');
      const { default: sqlite3InitModule } = await import('/bench-vendor/sqlite-wasm/index.mjs');
      const { md5 } = await import('/bench-vendor/md5.mjs');
      const fill = `CREATE TABLE t(x); WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${rows})
        INSERT INTO t SELECT 'row ' || i FROM s`;

      const ours = await sqlink.openDatabase();
      await ours.loadExtension('md5');
      await ours.loadExtension(Uint8Array.from(atob(identityBase64), (c) => c.charCodeAt(0)));
      await ours.exec(fill);

      const sqlite3 = await sqlite3InitModule();
      const theirs = new sqlite3.oo1.DB(':memory:');
      theirs.createFunction('noop', () => null, { arity: 0 });
      theirs.createFunction('identity', (_context, x) => x, { arity: 1, deterministic: true });
      theirs.createFunction('md5', (_context, x) => (x === null ? null : md5(x)), { arity: 1, deterministic: true });
      theirs.exec(fill);

      const CASES = {
        scan: 'SELECT count(x) FROM t',
        noop: 'SELECT count(noop()) FROM t',
        identity: 'SELECT count(identity(x)) FROM t',
        md5: 'SELECT count(md5(x)) FROM t',
      };
      // Both must agree before their times mean anything.
      const [[ourMd5]] = (await ours.exec("SELECT md5('row 1')"))[0].rows;
      const theirMd5 = theirs.selectValue("SELECT md5('row 1')");
      if (ourMd5 !== theirMd5) throw new Error(`md5 differs: ${ourMd5} vs ${theirMd5}`);

      // gc() exists with --expose-gc (below).
      const settle = () => {
        globalThis.gc();
        return new Promise((resolve) => setTimeout(resolve, 100));
      };
      const times = {};
      for (const [name, sql] of Object.entries(CASES)) {
        await ours.exec(sql);
        theirs.selectValue(sql);
        times[name] = { sqlink: [], sqliteWasm: [] };
      }
      for (let repetition = 0; repetition < repetitions; repetition++) {
        for (const [name, sql] of Object.entries(CASES)) {
          await settle();
          let started = performance.now();
          await ours.exec(sql);
          times[name].sqlink.push(((performance.now() - started) * 1e6) / rows);
          await settle();
          started = performance.now();
          theirs.selectValue(sql);
          times[name].sqliteWasm.push(((performance.now() - started) * 1e6) / rows);
        }
      }
      await ours.close();
      theirs.close();
      return { times, version: sqlite3.version.libVersion };
    },
    [ROWS, REPETITIONS, identity],
  );

  console.log(
    `browser: ns per row over ${ROWS} rows, sqlink.js (worker, wasm extensions) beside sqlite-wasm ${results.version}` +
      ` (page, JS functions; md5 from js-md5), min / median of ${REPETITIONS}, Chromium headless`,
  );
  console.log('  query            sqlink.js min   median   sqlite-wasm+JS min   median   ratio (min)');
  for (const [name, { sqlink, sqliteWasm }] of Object.entries(results.times)) {
    const ours = summary(sqlink);
    const theirs = summary(sqliteWasm);
    console.log(
      `  ${name.padEnd(14)} ${ours.min.toFixed(0).padStart(15)} ${ours.median.toFixed(0).padStart(8)}` +
        ` ${theirs.min.toFixed(0).padStart(20)} ${theirs.median.toFixed(0).padStart(8)} ${(ours.min / theirs.min).toFixed(2).padStart(13)}`,
    );
  }
}, ['--js-flags=--expose-gc']);
