// Browser benchmark: one small autocommit INSERT into an OPFS database file, on databases of
// different sizes, in headless Chromium. With page-level writes the cost must not grow with
// the database (a whole-image design rewrote the file on every statement).
//
//   node bench/opfs-insert.mjs [--quick]

import { build } from '../build.mjs';
import { summary, withDemoPage } from './page.mjs';

const quick = process.argv.includes('--quick');
const SIZES_MB = quick ? [1, 5] : [1, 50];
const INSERTS = quick ? 10 : 100;

await withDemoPage(build(), async (page) => {
  const rows = [];
  for (const mb of SIZES_MB) {
    const timings = await page.evaluate(
      async ([mb, inserts]) => {
        const sqlink = await import('/sqlink.js');
        const name = `bench-${mb}mb.db`;
        await sqlink.deleteDatabase(name).catch(() => {});
        const db = await sqlink.openDatabase({ path: name });
        const pages = Math.ceil((mb * 1024 * 1024) / 4096);
        await db.exec(`CREATE TABLE fill(pad); CREATE TABLE t(x);
          INSERT INTO fill SELECT zeroblob(3900) FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${pages}) SELECT i FROM s)`);
        const [size] = await db.exec('SELECT page_count * page_size FROM pragma_page_count, pragma_page_size');
        const ms = [];
        for (let i = 0; i < inserts; i++) {
          const started = performance.now();
          await db.exec(`INSERT INTO t VALUES (${i})`);
          ms.push(performance.now() - started);
        }
        await db.close();
        await sqlink.deleteDatabase(name);
        return { bytes: Number(size.rows[0][0]), ms };
      },
      [mb, INSERTS],
    );
    rows.push({ mb: (timings.bytes / 1024 / 1024).toFixed(1), ...summary(timings.ms) });
  }
  console.log(`browser: one autocommit INSERT into an OPFS database file (${INSERTS} inserts each, Chromium headless)`);
  console.log('  database     min ms   median ms');
  for (const { mb, min, median } of rows) console.log(`  ${`${mb} MB`.padEnd(10)} ${min.toFixed(2).padStart(8)} ${median.toFixed(2).padStart(11)}`);
});
