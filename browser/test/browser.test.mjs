// End-to-end tests in headless Chromium (Debian's /usr/bin/chromium through playwright-core):
// the demo page's REPL and the JS API, against the site `build.mjs` produces.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from '../build.mjs';
import { serve } from '../server.mjs';
import { launch } from '../chromium.mjs';

const testWasm = fileURLToPath(new URL('../../target/wasm/test/', import.meta.url));

let server;
let base;
let profile;
let context;

before(async () => {
  const root = build();
  server = await serve(root, 0);
  base = `http://127.0.0.1:${server.address().port}`;
  // A persistent profile, so OPFS data is still there after a reload.
  profile = mkdtempSync(join(tmpdir(), 'sqlink-chromium-'));
  context = await launch(profile);
});

after(async () => {
  await context?.close();
  server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** A fresh page with the demo loaded (from `site`, the default build unless given); page errors fail the test. */
async function openPage(query = '', site = base) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.errors = errors;
  await page.goto(`${site}/${query}`);
  await page.waitForSelector('#status[data-ready="true"], #status.error', { timeout: 60_000 });
  assert.equal(await page.textContent('#status'), 'Ready.');
  return page;
}

/** Type a line into the demo REPL and return what it printed for it. */
async function typeLine(page, line) {
  const before = (await page.textContent('#output')).length;
  await page.fill('#line', line);
  await page.press('#line', 'Enter');
  await page.waitForSelector('#line:not([disabled])');
  return (await page.textContent('#output')).slice(before);
}

// Values cross back as JSON; BigInt and Uint8Array are tagged so tests can see their types.
const TAGGED = `(key, value) => typeof value === 'bigint' ? { bigint: value.toString() }
  : value instanceof Uint8Array ? { bytes: [...value] } : value`;

/** Test components from target/wasm/test, to hand to inPage (they are not served). */
function testComponents(...names) {
  return Object.fromEntries(names.map((name) => [name, readFileSync(join(testWasm, `${name}.wasm`)).toString('base64')]));
}

async function inPage(page, body, arg) {
  const json = await page.evaluate(
    async ([source, tagged, argument]) => {
      const sqlink = await import('/sqlink.js');
      // component(name): the bytes of a test component passed in by testComponents().
      const component = (name) => Uint8Array.from(atob(argument[name]), (c) => c.charCodeAt(0));
      const run = new Function('sqlink', 'arg', 'component', `return (async () => { ${source} })()`);
      return JSON.stringify(await run(sqlink, argument, component), eval(tagged));
    },
    [body, TAGGED, arg],
  );
  return JSON.parse(json);
}

describe('server', () => {
  test('serves the components under /wasm/ as application/wasm and refuses paths outside the site', async () => {
    const wasm = await fetch(`${base}/wasm/md5.wasm`);
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    const bytes = new Uint8Array(await wasm.arrayBuffer());
    assert.deepEqual([...bytes.slice(0, 4)], [0, 97, 115, 109]);
    const module = await fetch(`${base}/sqlink.js`);
    assert.match(module.headers.get('content-type'), /^text\/javascript/);
    assert.equal((await fetch(`${base}/..%2f..%2fCargo.toml`)).status, 403);
    assert.equal((await fetch(`${base}/nothing-here.js`)).status, 404);
    assert.equal((await fetch(`${base}/sqlink.js/inside-a-file`)).status, 404);
    assert.equal((await fetch(`${base}/wasm/md5.wasm`)).status, 200, 'the server is still up');
  });
});

describe('demo page', () => {
  test('.load uuid then SELECT length(uuid()) in the REPL', async () => {
    const page = await openPage();
    assert.equal(await typeLine(page, '.load uuid'), 'sqlink> .load uuid\n');
    assert.equal(await typeLine(page, 'SELECT length(uuid());'), 'sqlink> SELECT length(uuid());\n36\n');
    await page.close();
  });

  test('.load regexp then a table function in the REPL', async () => {
    const page = await openPage();
    assert.equal(await typeLine(page, '.load regexp'), 'sqlink> .load regexp\n');
    assert.match(await typeLine(page, String.raw`SELECT * FROM regexp_matches('a1 bb22 ccc333', '\d+');`), /\n1\|2\|3\n22\|6\|8\n333\|12\|15\n$/);
    await page.close();
  });

  test("the sqlite3 shell's built-ins: generate_series, sha3, decimal; .timer shows the elapsed time", async () => {
    const page = await openPage();
    assert.equal(
      await typeLine(page, 'SELECT sum(value) FROM generate_series(1, 100);'),
      'sqlink> SELECT sum(value) FROM generate_series(1, 100);\n5050\n',
    );
    assert.match(await typeLine(page, "SELECT hex(sha3('abc')), decimal_add('0.1', '0.2');"), /\n3A985DA74FE225B2045C172D6BD390BD855F086E3E9D525B46BFE24511431532\|0\.3\n$/);
    await typeLine(page, '.timer on');
    // A page cannot read its CPU time: the elapsed time only.
    assert.match(await typeLine(page, 'SELECT 1;'), /\n1\nRun Time: real \d+\.\d{3}\n$/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('dot commands, continuation lines and errors work as in the native shell', async () => {
    const page = await openPage();
    await typeLine(page, 'CREATE TABLE t(a, b);');
    await typeLine(page, "INSERT INTO t VALUES (1, 'one'),");
    assert.equal(await page.textContent('#prompt'), '   ...>');
    await typeLine(page, "(2, 'two');");
    assert.equal(await page.textContent('#prompt'), 'sqlink>');
    await typeLine(page, '.mode csv');
    await typeLine(page, '.headers on');
    assert.match(await typeLine(page, 'SELECT * FROM t ORDER BY a;'), /a,b\r\n1,one\r\n2,two\r\n$/);
    assert.match(await typeLine(page, '.tables'), /\nt\n$/);
    assert.match(await typeLine(page, 'SELECT nope FROM t;'), /Parse error: no such column: nope\n  SELECT nope FROM t;\n         \^--- error here\n$/);
    assert.match(await typeLine(page, '.load nosuch'), /Error: cannot load nosuch: .*404/);
    assert.match(await typeLine(page, 'SELECT count(*) FROM t;'), /count\(\*\)\r\n2\r\n$/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('after an extension call is stopped, the REPL opens a new database and carries on', async () => {
    // Like sqlink's --timeout, in seconds.
    const page = await openPage('?timeout=0.5');
    assert.equal(await typeLine(page, '.load /wasm/md5.wasm'), 'sqlink> .load /wasm/md5.wasm\n');
    await page.setInputFiles('#file', join(testWasm, 'hostile.wasm'));
    await page.waitForFunction(() => document.querySelector('#output').textContent.includes('loaded hostile'));
    const stopped = await typeLine(page, 'SELECT spin_forever();');
    assert.match(stopped, /Error: hostile: spin_forever\(\) was stopped after 0.5 s \(time limit\); the database was closed\n/);
    assert.match(stopped, /A new in-memory database is open\./);
    assert.match(await typeLine(page, 'SELECT 40 + 2;'), /\n42\n$/);
    assert.match(await typeLine(page, "SELECT md5('abc');"), /Parse error: no such function: md5\n  SELECT md5\('abc'\);\n         \^--- error here\n$/);
    await page.close();
  });

  test('an extension chosen in the file picker is loaded', async () => {
    const page = await openPage();
    await page.setInputFiles('#file', fileURLToPath(new URL('../dist/wasm/snake.wasm', import.meta.url)));
    await page.waitForFunction(() => document.querySelector('#output').textContent.includes('loaded snake'));
    assert.match(await typeLine(page, "SELECT to_snake_case('HelloWorld');"), /\nhello_world\n$/);
    await page.close();
  });

  test('Stop interrupts the running statement and the REPL carries on with the same database', async () => {
    const page = await openPage();
    await typeLine(page, 'CREATE TABLE t(x); INSERT INTO t VALUES (21);');
    await page.fill('#line', 'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c;');
    await page.press('#line', 'Enter');
    await page.waitForSelector('#stop:not([disabled])');
    await page.waitForTimeout(300);
    await page.click('#stop');
    await page.waitForSelector('#line:not([disabled])');
    assert.match(await page.textContent('#output'), /Runtime error: interrupted \(9\)\n$/);
    assert.equal(await typeLine(page, 'SELECT x * 2 FROM t;'), 'sqlink> SELECT x * 2 FROM t;\n42\n');
    await page.close();
  });

  test('the database downloads as a file, and a database file opens in its place', async () => {
    const page = await openPage();
    await typeLine(page, "CREATE TABLE kept(x); INSERT INTO kept VALUES ('downloaded');");
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const bytes = readFileSync(await download.path());
    assert.equal(bytes.subarray(0, 15).toString(), 'SQLite format 3');
    await typeLine(page, 'DROP TABLE kept;');
    await page.setInputFiles('#open-db', { name: 'copy.db', mimeType: 'application/vnd.sqlite3', buffer: bytes });
    await page.waitForFunction(() => document.querySelector('#output').textContent.includes('Opened copy.db'));
    assert.match(await typeLine(page, 'SELECT x FROM kept;'), /\ndownloaded\n$/);
    await page.close();
  });

  test('without JSPI the page says so instead of hanging', async () => {
    const page = await context.newPage();
    await page.addInitScript(() => {
      delete WebAssembly.Suspending;
    });
    await page.goto(`${base}/`);
    await page.waitForSelector('#status.error', { timeout: 10_000 });
    assert.match(await page.textContent('#status'), /needs WebAssembly JavaScript Promise Integration \(JSPI\)/);
    await page.close();
  });
});

describe('JS API', () => {
  let page;
  before(async () => {
    page = await openPage();
  });
  after(async () => {
    await page.close();
  });

  test('exec keeps the session across calls and returns typed values', async () => {
    const results = await inPage(
      page,
      `const db = await sqlink.openDatabase();
       await db.exec('CREATE TABLE t(i INTEGER, r REAL, s TEXT, b BLOB, n)');
       await db.exec("INSERT INTO t VALUES (1, 2.5, 'x', x'00ff', NULL)");
       await db.exec('INSERT INTO t VALUES (9007199254740993, -0.5, \\'é\\', x\\'\\', NULL)');
       const rows = await db.exec('SELECT * FROM t ORDER BY i');
       const count = await db.exec('SELECT count(*) AS n FROM t; SELECT 1 WHERE 0');
       await db.close();
       return { rows, count };`,
    );
    assert.deepEqual(results.rows, [
      {
        columns: ['i', 'r', 's', 'b', 'n'],
        rows: [
          [1, 2.5, 'x', { bytes: [0, 255] }, null],
          [{ bigint: '9007199254740993' }, -0.5, 'é', { bytes: [] }, null],
        ],
      },
    ]);
    assert.deepEqual(results.count, [
      { columns: ['n'], rows: [[2]] },
      { columns: ['1'], rows: [] },
    ]);
  });

  test('loadExtension takes the bytes of md5.wasm, a URL, or a bundled name', async () => {
    const results = await inPage(
      page,
      `const db = await sqlink.openDatabase();
       const bytes = new Uint8Array(await (await fetch('/wasm/md5.wasm')).arrayBuffer());
       const info = await db.loadExtension(bytes);
       const md5 = await db.exec("SELECT md5('abc'), md5_agg(x) FROM (SELECT 'a' AS x UNION ALL SELECT 'bc')");
       await db.loadExtension(new URL('/wasm/snake.wasm', location.href));
       await db.loadExtension('stats');
       const other = await db.exec("SELECT to_snake_case('FooBar'), median(v) FROM (SELECT 1 AS v UNION ALL SELECT 5 UNION ALL SELECT 3)");
       let again;
       try { await db.loadExtension('md5'); } catch (e) { again = e.message; }
       await db.close();
       return { name: info.name, scalars: info.scalars.map((f) => f.name), md5, other, again };`,
    );
    assert.equal(results.name, 'md5');
    assert.deepEqual(results.scalars, ['md5']);
    assert.deepEqual(results.md5[0].rows, [['900150983cd24fb0d6963f7d28e17f72', '900150983cd24fb0d6963f7d28e17f72']]);
    assert.deepEqual(results.other[0].rows, [['foo_bar', 3]]);
    assert.equal(results.again, 'cannot load md5: md5 is already loaded');
  });

  test('every bundled extension loads by name and answers its example (extensions/examples.txt)', async () => {
    const examples = readFileSync(new URL('../../extensions/examples.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => line.split('\t'));
    const answers = await inPage(
      page,
      `const answers = [];
       for (const [module, query] of arg) {
         const db = await sqlink.openDatabase();
         try {
           await db.loadExtension(module);
           const [result] = await db.exec(query);
           answers.push(String(result.rows[0][0]));
         } catch (e) {
           answers.push(module + ': ' + e.message);
         }
         await db.close();
       }
       return answers;`,
      examples,
    );
    assert.deepEqual(answers, examples.map(([, , value]) => value));
  });

  test('two databases on one page are independent; closing one leaves the other working', async () => {
    const results = await inPage(
      page,
      `const a = await sqlink.openDatabase();
       const b = await sqlink.openDatabase();
       await a.exec("CREATE TABLE only_a(x); INSERT INTO only_a VALUES ('from a')");
       await b.exec('CREATE TABLE only_b(y); INSERT INTO only_b VALUES (42)');
       await a.loadExtension('md5');
       let bHasMd5 = true;
       try { await b.exec("SELECT md5('x')"); } catch (e) { bHasMd5 = e.message; }
       await a.close();
       let closed;
       try { await a.exec('SELECT 1'); } catch (e) { closed = e.message; }
       const tables = await b.exec("SELECT name FROM sqlite_schema");
       await b.exec('INSERT INTO only_b VALUES (43)');
       const sum = await b.exec('SELECT sum(y) FROM only_b');
       await b.close();
       return { bHasMd5, closed, tables: tables[0].rows, sum: sum[0].rows };`,
    );
    assert.equal(results.bHasMd5, 'no such function: md5');
    assert.equal(results.closed, 'the database is closed');
    assert.deepEqual(results.tables, [['only_b']]);
    assert.deepEqual(results.sum, [[85]]);
  });

  test('a SQL error rejects with SQLite\'s message and the session keeps working', async () => {
    const results = await inPage(
      page,
      `const db = await sqlink.openDatabase();
       await db.exec('CREATE TABLE t(x UNIQUE); INSERT INTO t VALUES (1)');
       const errors = [];
       for (const sql of ['SELEC 1', 'INSERT INTO t VALUES (1)', 'SELECT * FROM missing']) {
         try { await db.exec(sql); errors.push('resolved'); } catch (e) { errors.push(e.message); }
       }
       await db.exec('INSERT INTO t VALUES (2)');
       const rows = await db.exec('SELECT x FROM t ORDER BY x');
       await db.close();
       return { errors, rows: rows[0].rows };`,
    );
    assert.deepEqual(results.errors, [
      'near "SELEC": syntax error',
      'UNIQUE constraint failed: t.x',
      'no such table: missing',
    ]);
    assert.deepEqual(results.rows, [[1], [2]]);
  });

  test('values of every type cross into an extension and back unchanged', async () => {
    const results = await inPage(
      page,
      `const db = await sqlink.openDatabase();
       await db.loadExtension(component('identity'));
       await db.loadExtension('md5');
       await db.loadExtension('stats');
       await db.exec(\`CREATE TABLE v(x); INSERT INTO v VALUES (NULL), (0), (-1), (-9223372036854775808),
         (9223372036854775807), (1.5), (-0.0), (1e308), (''), ('ascii'), ('é漢字🙂'), (x''), (x'00ff'),
         (zeroblob(200000)), (printf('%.*c', 300000, 'x'))\`);
       const same = await db.exec('SELECT count(*), sum(identity(x) IS x AND typeof(identity(x)) = typeof(x)) FROM v');
       const md5 = await db.exec("SELECT md5('é漢字🙂'), md5(x'00ff'), md5(NULL) IS NULL");
       const window = await db.exec(\`SELECT round(stddev(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), 6)
         FROM (SELECT 1.0 AS x UNION ALL SELECT 2 UNION ALL SELECT 4 UNION ALL SELECT 8)\`);
       await db.close();
       return { same: same[0].rows, md5: md5[0].rows, window: window[0].rows.flat() };`,
      testComponents('identity'),
    );
    assert.deepEqual(results.same, [[15, 15]]);
    const hex = (text) => createHash('md5').update(text).digest('hex');
    assert.deepEqual(results.md5, [[hex('é漢字🙂'), hex(Buffer.from([0, 255])), 1]]);
    // As sqlean's stats_stddev: 0.0 for a single value.
    assert.deepEqual(results.window, [0, 0.707107, 1.414214, 2.828427]);
  });

  test("calls straight into an extension's core functions give what jco's glue gives", async () => {
    const results = await inPage(
      page,
      `const { loadExtensionComponent } = await import('/extensions.js');
       const { CoreMemory, errorPayload, readValues, scalarAdapter, writeValue } = await import('/crossing.js');
       // The runtime's side: a memory and a bump allocator standing in for its cabi_realloc.
       const memory = new WebAssembly.Memory({ initial: 1 });
       let top = 1024;
       const runtime = new CoreMemory(memory, (_old, _size, align, size) => {
         top = Math.ceil(top / align) * align;
         const at = top;
         top += size;
         while (top > memory.buffer.byteLength) memory.grow(1);
         return at;
       });
       const args = (...values) => {
         const at = runtime.alloc(16 * values.length, 8);
         values.forEach((value, i) => writeValue(runtime, at + 16 * i, value));
         return [at, values.length];
       };
       const shown = (value) => typeof value?.val === 'bigint' ? { ...value, val: String(value.val) }
         : value?.val instanceof Uint8Array ? { ...value, val: [...value.val] } : value;
       // What one call leaves: its value, 'ok', or its error.
       const outcome = (shape, call) => {
         const ret = runtime.alloc(24, 8);
         try {
           call(ret);
         } catch (error) {
           return errorPayload(error);
         }
         if (runtime.view.getUint8(ret) !== 0) return 'err written';
         return shape === 'value' ? shown(readValues(runtime, ret + 8, 1)[0]) : 'ok';
       };
       const text = (val) => ({ tag: 'text', val });
       const script = async (direct) => {
         const load = async (bytes) => loadExtensionComponent(bytes, { source: 'test', grantsClock: false, direct });
         const fetched = async (name) => new Uint8Array(await (await fetch('/wasm/' + name + '.wasm')).arrayBuffer());
         const identity = await load(component('identity'));
         const md5 = await load(await fetched('md5'));
         const stats = await load(await fetched('stats'));
         const snake = await load(await fetched('snake'));
         const hostile = await load(component('hostile'));
         const id = (ext, list, name) => ext.info[list].find((f) => f.name === name).id;
         const out = [];
         const values = [{ tag: 'null' }, { tag: 'integer', val: -(2n ** 63n) }, { tag: 'integer', val: 2n ** 63n - 1n },
           { tag: 'real', val: -0.5 }, text(''), text('é漢字🙂'), text('x'.repeat(300000)),
           { tag: 'blob', val: new Uint8Array([]) }, { tag: 'blob', val: new Uint8Array(200000).fill(7) }];
         for (const value of values) {
           out.push(outcome('value', (ret) => identity.scalarCallAt(id(identity, 'scalars', 'identity'), runtime, ...args(value), ret)));
         }
         out.push(outcome('value', (ret) => md5.scalarCallAt(id(md5, 'scalars', 'md5'), runtime, ...args(text('é漢字🙂')), ret)));
         out.push(outcome('value', (ret) => hostile.scalarCallAt(id(hostile, 'scalars', 'panic_with'), runtime, ...args(text('boom')), ret)));
         out.push(outcome('value', (ret) => hostile.scalarCallAt(id(hostile, 'scalars', 'read_file'), runtime, ...args(text('/nowhere')), ret)));
         out.push(outcome('value', (ret) => hostile.scalarCallAt(id(hostile, 'scalars', 'giant'), runtime, ...args({ tag: 'integer', val: 3n }), ret)));
         const stddev = id(stats, 'aggregates', 'stddev');
         for (const x of [1, 2, 4, 8]) {
           out.push(outcome('unit', (ret) => stats.aggregateStepAt(stddev, 7n, runtime, ...args({ tag: 'real', val: x }), ret)));
         }
         out.push(outcome('value', (ret) => stats.aggregateValueAt(stddev, 7n, runtime, ret)));
         out.push(outcome('unit', (ret) => stats.aggregateStepAt(stddev, 7n, runtime, ...args({ tag: 'real', val: 1 }), ret, true)));
         out.push(outcome('value', (ret) => stats.aggregateValueAt(stddev, 7n, runtime, ret, true)));
         const order = (a, b) => {
           const [at, length] = runtime.writeText(a);
           const [bt, bLength] = runtime.writeText(b);
           return snake.collationCompareAt(0, runtime, at, length, bt, bLength);
         };
         out.push(order('FooBar', 'foo_bar'), Math.sign(order('a', 'b')), Math.sign(order('b', 'a')));
         return out;
       };
       // Whether this Chromium compiles the scalar call's wasm crossing, which the direct
       // scalar calls above then took.
       const adapter = scalarAdapter(runtime, { memory: runtime }, { fn: () => 0, post: null }) !== null;
       return { direct: await script(true), glue: await script(false), adapter };`,
      testComponents('identity', 'hostile'),
    );
    assert.deepEqual(results.direct, results.glue);
    assert.equal(results.adapter, true, "the scalar calls' crossing in wasm (multi-memory) does not compile here");
    const [nil, min, max, real, empty, unicode, long, emptyBlob, blob, md5, panic, readFile, giant, ...rest] = results.direct;
    assert.deepEqual([nil, min, max, real, empty, unicode], [
      { tag: 'null' }, { tag: 'integer', val: String(-(2n ** 63n)) }, { tag: 'integer', val: String(2n ** 63n - 1n) },
      { tag: 'real', val: -0.5 }, { tag: 'text', val: '' }, { tag: 'text', val: 'é漢字🙂' },
    ]);
    assert.equal(long.val.length, 300000);
    assert.deepEqual(emptyBlob, { tag: 'blob', val: [] });
    assert.equal(blob.val.length, 200000);
    assert.deepEqual(md5, { tag: 'text', val: createHash('md5').update('é漢字🙂').digest('hex') });
    assert.deepEqual(panic, { code: 1, message: 'hostile: panic_with() panicked: boom' });
    assert.equal(readFile.code, 1);
    assert.match(readFile.message, /^read_file\(\/nowhere\): /);
    assert.deepEqual(giant, { tag: 'text', val: 'xxx' });
    assert.deepEqual(rest.slice(0, 4), ['ok', 'ok', 'ok', 'ok']);
    assert.equal(rest[4].val.toFixed(6), '3.095696');
    assert.equal(rest[5], 'ok');
    assert.equal(rest[6].val.toFixed(6), '3.055050');
    assert.deepEqual(rest.slice(7), [0, -1, 1]);
  });

  test('commands that need files of the host say a page has none; .open and .open --hexdb still work', async () => {
    const outputs = await inPage(
      page,
      `const db = await sqlink.openDatabase();
       // The dump of a two-page database holding t(x) with one row, 42, as sqlite3 writes it.
       const dump = \`| size 1024 pagesize 512 filename h.db
| page 1 offset 0
|      0: 53 51 4c 69 74 65 20 66 6f 72 6d 61 74 20 33 00   SQLite format 3.
|     16: 02 00 01 01 00 40 20 20 00 00 00 02 00 00 00 02
|     32: 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 04
|     48: 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 00
|     80: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02
|     96: 00 2e 63 01 0d 00 00 00 01 01 df 00 01 df 00 00
|    464: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 1f
|    480: 01 06 17 0f 0f 01 2f 74 61 62 6c 65 74 74 02 43
|    496: 52 45 41 54 45 20 54 41 42 4c 45 20 74 28 78 29
| page 2 offset 512
|      0: 0d 00 00 00 01 01 fb 00 01 fb 00 00 00 00 00 00
|    496: 00 00 00 00 00 00 00 00 00 00 00 03 01 02 01 2a
| end h.db\`.split('\\n');
       const lines = ['.backup copy.db', '.save copy.db', '.restore copy.db', '.open copy.db', '.ar -tf a.sqlar',
         'CREATE TABLE t(x);', '.open', 'SELECT count(*) FROM sqlite_schema;', '.open --hexdb', ...dump,
         'SELECT x FROM t;'];
       const outputs = [];
       for (const line of lines) outputs.push((await db.evalLine(line)).output);
       await db.close();
       return outputs;`,
    );
    const files = (command) =>
      `Error: .${command} needs files of the host, which a page does not have (its databases are in OPFS: openDatabase({ path }), db.exportBytes(), openDatabase({ bytes }))\n`;
    assert.deepEqual(outputs.slice(0, 5), [
      files('backup'),
      files('save'),
      files('restore'),
      files('open FILE'),
      "Error: .archive needs files of the host, which a page does not have\n",
    ]);
    assert.deepEqual(outputs.slice(5, 9), ['', '', '0\n', '']);
    assert.ok(outputs.slice(9, -1).every((output) => output === ''), outputs.join('|'));
    assert.equal(outputs.at(-1), '42\n');
  });

  test("SQLite's own functions are replaced only when loadExtension is given { override: true }", async () => {
    const results = await inPage(
      page,
      `const db = await sqlink.openDatabase();
       let refused;
       try { await db.loadExtension(component('shadow')); } catch (e) { refused = e.message; }
       const before = await db.exec("SELECT upper('abc')");
       await db.loadExtension(component('shadow'), { override: true });
       const after = await db.exec("SELECT upper('abc')");
       const listed = await db.evalLine('.extensions');
       await db.close();
       return { refused, before: before[0].rows, after: after[0].rows, listed: listed.output };`,
      testComponents('shadow'),
    );
    assert.equal(
      results.refused,
      'cannot load the given bytes: upper() is already defined in this SQLite (built in, or by the program); `loadExtension(source, { override: true })` replaces it',
    );
    assert.deepEqual(results.before, [['ABC']]);
    assert.deepEqual(results.after, [['shadowed abc']]);
    assert.match(results.listed, /\n {2}replaces SQLite's upper\(\), collation nocase \(loaded with --override\)\n/);
  });

  test('a broken or panicking extension gives one clear error and the session carries on', async () => {
    const results = await inPage(
      page,
      `       const db = await sqlink.openDatabase();
       const errors = [];
       const attempt = async (f) => { try { await f(); errors.push('resolved'); } catch (e) { errors.push(e.message); } };
       await attempt(() => db.loadExtension(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])));
       await attempt(() => db.loadExtension(component('network')));
       await attempt(() => db.exec("SELECT connect('127.0.0.1:9')"));
       await attempt(() => db.loadExtension(component('command')));
       await attempt(() => db.loadExtension(component('duplicate')));
       await db.loadExtension(component('hostile'));
       await attempt(() => db.exec("SELECT panic_with('boom')"));
       await attempt(() => db.exec("SELECT panic_with('again')"));
       await attempt(() => db.exec("SELECT require_env('HOME')"));
       await attempt(() => db.exec("SELECT read_file('/etc/hostname')"));
       const after = await db.exec('SELECT 1 + 1');
       await db.close();
       return { errors, after: after[0].rows };`,
      testComponents('hostile', 'network', 'command', 'duplicate'),
    ).catch((error) => ({ error: error.message }));
    assert.equal(results.error, undefined, results.error);
    assert.match(results.errors[0], /^cannot load the given bytes: not a WebAssembly component/);
    // A component importing sockets loads; the network is denied when it is used.
    assert.equal(results.errors[1], 'resolved');
    assert.equal(
      results.errors[2],
      'network: connect() failed: it tried the network (wasi:sockets/tcp-create-socket#create-tcp-socket): extensions get no network access, and no flag grants it',
    );
    assert.equal(
      results.errors[3],
      'cannot load the given bytes: not a sqlite extension: it does not export sqlite:extension/metadata',
    );
    assert.equal(results.errors[4], 'cannot load the given bytes: duplicate: twice is declared twice');
    assert.equal(results.errors[5], 'hostile: panic_with() panicked: boom');
    assert.equal(results.errors[6], 'hostile: panic_with() panicked: again');
    // A failing call that asked for the environment or files, which the page withholds, says so.
    assert.equal(results.errors[7], 'HOME is not set (it read the environment, which extensions do not get in the page)');
    assert.equal(
      results.errors[8],
      'read_file(/etc/hostname): No such file or directory (os error 44) (it looked for files, and extensions get none in the page)',
    );
    assert.deepEqual(results.after, [[2]]);
  });

  test('table functions: rows in FROM, a lateral join, LIMIT, an error or a trap in the middle', async () => {
    // The body is JavaScript source in the page, hence \\d there for the pattern \d.
    const results = await inPage(
      page,
      String.raw`const db = await sqlink.openDatabase();
       const info = await db.loadExtension('regexp');
       await db.loadExtension(component('rows'));
       const rows = async (sql) => (await db.exec(sql))[0].rows;
       const matches = await rows("SELECT * FROM regexp_matches('a1 bb22 ccc333', '\\d+')");
       await db.exec("CREATE TABLE t(id, x); INSERT INTO t VALUES (1, 'a1b2'), (2, 'c33'), (3, NULL)");
       const joined = await rows("SELECT t.id, m.match FROM t, regexp_matches(t.x, '\\d+') AS m ORDER BY t.id, m.start");
       const limited = await rows('SELECT value FROM series(1, 1000000) LIMIT 3');
       const open = await rows('SELECT open_cursors()');
       const errors = [];
       for (const sql of ['SELECT count(*) FROM fail_after(1000)', 'SELECT count(*) FROM trap_after(1000)']) {
         try { await db.exec(sql); errors.push('resolved'); } catch (e) { errors.push(e.message); }
       }
       const after = await rows('SELECT count(*), sum(value) FROM series(1, 1000)');
       await db.close();
       const [{ name, columns, parameters }] = info.tableFunctions;
       return { declared: { name, columns, parameters }, matches, joined, limited, open, errors, after };`,
      testComponents('rows'),
    );
    assert.deepEqual(results, {
      declared: { name: 'regexp_matches', columns: ['match', 'start', 'end'], parameters: ['text', 'pattern'] },
      matches: [['1', 2, 3], ['22', 6, 8], ['333', 12, 15]],
      joined: [[1, '1'], [1, '2'], [2, '33']],
      limited: [[1], [2], [3]],
      open: [[0]],
      errors: ['fail_after: gave up after 1000 rows', 'rows: trap_after() panicked: trap_after: 1000 rows were enough'],
      after: [[1000, 500500]],
    });
  });

  test('virtual tables: writes in transactions and savepoints, the chosen plan, bad input, a trap, a loop stopped', async () => {
    const results = await inPage(
      page,
      `const db = await sqlink.openDatabase({ callTimeoutMs: 1000 });
       const info = await db.loadExtension(component('tables'));
       const rows = async (sql) => (await db.exec(sql)).at(-1).rows;
       const error = async (sql) => {
         try { await db.exec(sql); return 'resolved'; } catch (e) { return e.message; }
       };
       const plan = async (sql) => (await rows('EXPLAIN QUERY PLAN ' + sql)).map((row) => row[3]).join('; ');
       await db.exec("CREATE VIRTUAL TABLE m USING memtable; INSERT INTO m VALUES ('b', 2), ('a', 1)");
       const written = await rows('SELECT rowid, key, value FROM m');
       await db.exec("UPDATE m SET value = value * 10 WHERE key = 'a'; DELETE FROM m WHERE key = 'b'");
       const changed = await rows('SELECT key, value FROM m');
       await db.exec("BEGIN; INSERT INTO m VALUES ('c', 3); DELETE FROM m WHERE key = 'a'; ROLLBACK");
       const rolledBack = await rows('SELECT key, value FROM m');
       await db.exec("BEGIN; INSERT INTO m VALUES ('d', 4); SAVEPOINT s; INSERT INTO m VALUES ('e', 5); UPDATE m SET value = 0; ROLLBACK TO s; RELEASE s; COMMIT");
       const savepoint = await rows('SELECT key, value FROM m ORDER BY key');
       const plans = [
         await plan("SELECT value FROM m WHERE key = 'd'"),
         await plan('SELECT key FROM m ORDER BY key'),
         await plan('SELECT key FROM m ORDER BY key DESC'),
       ];
       const found = await rows("SELECT value FROM m WHERE key = 'd'");
       const errors = [
         await error('CREATE VIRTUAL TABLE w USING memtable(x = 1)'),
         await error('CREATE VIRTUAL TABLE b USING badschema'),
         await error("CREATE VIRTUAL TABLE s USING spin; INSERT INTO s VALUES (1)"),
         await error("INSERT INTO m VALUES ('x', 'trap')"),
       ];
       const afterTrap = await rows("CREATE VIRTUAL TABLE m2 USING memtable; INSERT INTO m2 VALUES ('z', 26); SELECT key, value FROM m2");
       // The trap replaced the instance: a table the old one made fails rather than reach the new one.
       const stale = await error('SELECT * FROM s');
       const stopped = await error('CREATE VIRTUAL TABLE s2 USING spin; SELECT * FROM s2');
       return { modules: info.modules.map((m) => m.name), written, changed, rolledBack, savepoint, plans, found, errors, afterTrap, stale, stopped };`,
      testComponents('tables'),
    );
    assert.deepEqual(results.modules, ['memtable', 'spin', 'badschema']);
    assert.deepEqual(results.written, [[1, 'b', 2], [2, 'a', 1]]);
    assert.deepEqual(results.changed, [['a', 10]]);
    assert.deepEqual(results.rolledBack, [['a', 10]]);
    assert.deepEqual(results.savepoint, [['a', 10], ['d', 4]]);
    assert.match(results.plans[0], /VIRTUAL TABLE INDEX 1:key=\?/);
    assert.match(results.plans[1], /VIRTUAL TABLE INDEX 2:/);
    assert.doesNotMatch(results.plans[1], /USE TEMP B-TREE FOR ORDER BY/);
    assert.match(results.plans[2], /USE TEMP B-TREE FOR ORDER BY/);
    assert.deepEqual(results.found, [[4]]);
    assert.equal(results.errors[0], 'memtable takes no arguments, not x = 1');
    assert.match(results.errors[1], /^badschema: the schema it declared, "CREATE TABLE x\(a,", is not one SQLite accepts/);
    assert.equal(results.errors[2], 'table s may not be modified');
    assert.match(results.errors[3], /memtable was told to trap/);
    assert.deepEqual(results.afterTrap, [['z', 26]]);
    assert.equal(results.stale, 'tables: this virtual table of module spin stopped: the extension restarted after a failure');
    assert.equal(results.stopped, 'tables: spin() was stopped after 1 s (time limit); the database was closed');
  });

  test('after a trap replaces the instance, its cursors fail on the next read instead of reading the new one', async () => {
    // Not reachable from SQL, where the trap ends the statement: the extension is driven directly.
    const results = await inPage(
      page,
      `const { loadExtensionComponent } = await import('/extensions.js');
       const ext = await loadExtensionComponent(component('rows'), { source: 'bytes', grantsClock: false });
       const id = (name) => ext.info.tableFunctions.find((t) => t.name === name).id;
       const int = (i) => ({ tag: 'integer', val: BigInt(i) });
       const failure = (f) => { try { f(); return 'returned'; } catch (e) { return e.payload.message; } };
       const series = ext.tableOpen(id('series'), [int(1), int(10)]);
       const first = ext.tableNext(series, 3).length;
       const trap = ext.tableOpen(id('trap_after'), [int(1)]);
       const trapped = failure(() => ext.tableNext(trap, 5));
       const stale = failure(() => ext.tableNext(series, 3));
       ext.tableClose(series);
       ext.tableClose(trap);
       const fresh = ext.tableOpen(id('series'), [int(5), int(6)]);
       const rows = ext.tableNext(fresh, 256).map(([value]) => Number(value.val));
       ext.tableClose(fresh);
       return { first, trapped, stale, rows, closed: failure(() => ext.tableNext(fresh, 1)) };`,
      testComponents('rows'),
    );
    assert.deepEqual(results, {
      first: 3,
      trapped: 'rows: trap_after() panicked: trap_after: 1 rows were enough',
      stale: 'rows: series() stopped: the extension restarted after a failure',
      rows: [5, 6],
      closed: 'rows: no open cursor 3',
    });
  });

  test('without a grant the clock reads the Unix epoch (the bundled uuid has the grant); it is never waited on', async () => {
    const results = await inPage(
      page,
      `const db = await sqlink.openDatabase();
       await db.loadExtension(component('clock'));
       await db.loadExtension('uuid');
       const errors = [];
       for (const sql of ['SELECT now_ms()', 'SELECT sleep_ms(10)']) {
         try { errors.push((await db.exec(sql))[0].rows[0][0]); } catch (e) { errors.push(e.message); }
       }
       const uuid7 = await db.exec('SELECT uuid7_timestamp_ms(uuid7()) > 1700000000000, length(uuid7())');
       await db.close();
       return { errors, uuid7: uuid7[0].rows };`,
      testComponents('clock'),
    );
    assert.deepEqual(results.errors, [0, 'clock: sleep_ms() failed: extensions may not sleep or wait on a clock']);
    assert.deepEqual(results.uuid7, [[1, 36]]);
  });

  test('an extension call that never returns is stopped at the time limit; other databases carry on', async () => {
    const results = await inPage(
      page,
      `const other = await sqlink.openDatabase();
       await other.exec('CREATE TABLE kept(x); INSERT INTO kept VALUES (1)');
       const db = await sqlink.openDatabase({ callTimeoutMs: 1000 });
       await db.loadExtension(component('hostile'));
       const started = performance.now();
       let error;
       try { await db.exec('SELECT spin_forever()'); } catch (e) { error = e.message; }
       const waited = performance.now() - started;
       let after;
       try { await db.exec('SELECT 1'); } catch (e) { after = e.message; }
       const fresh = await sqlink.openDatabase();
       const freshRows = await fresh.exec('SELECT 2');
       const otherRows = await other.exec('SELECT x FROM kept');
       await fresh.close();
       await other.close();
       return { error, waited, after, isolated: crossOriginIsolated, fresh: freshRows[0].rows, other: otherRows[0].rows };`,
      testComponents('hostile'),
    );
    assert.equal(results.isolated, true);
    assert.equal(results.error, 'hostile: spin_forever() was stopped after 1 s (time limit); the database was closed');
    assert.ok(results.waited >= 1000 && results.waited < 10_000, `stopped after ${results.waited} ms`);
    assert.equal(results.after, results.error);
    assert.deepEqual(results.fresh, [[2]]);
    assert.deepEqual(results.other, [[1]]);
  });

  test('interrupt() rejects the running statement with "interrupted" and the database stays open', async () => {
    const result = await inPage(
      page,
      `const db = await sqlink.openDatabase();
       await db.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1)');
       const running = db.exec('WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c')
         .then(() => 'finished', (e) => e.message);
       await new Promise((resolve) => setTimeout(resolve, 300));
       db.interrupt();
       const outcome = await running;
       const [after] = await db.exec('SELECT x FROM t');
       db.interrupt(); // nothing runs: no effect on the next statement
       const [next] = await db.exec('SELECT 2');
       await db.close();
       return { outcome, after: after.rows, next: next.rows };`,
    );
    assert.deepEqual(result, { outcome: 'interrupted', after: [[1]], next: [[2]] });
  });

  test('a component built against any released contract version loads and answers beside the newest', async () => {
    // The contract's fixtures (Rust, Python and JavaScript of each version, and the interim
    // 0.1.0) beside the bundled md5, on one database: the same queries and answers as in the
    // other hosts (repl/tests/contract_versions.rs).
    const contract = JSON.parse(readFileSync(new URL('../../test-extensions/contract.json', import.meta.url), 'utf8'));
    const names = contract.fixtures.map(({ file }) => file.replace(/\.wasm$/, ''));
    const results = await inPage(
      page,
      `const db = await sqlink.openDatabase();
       await db.loadExtension('md5');
       const loaded = [];
       for (const name of arg.names) {
         const { name: extension, version } = await db.loadExtension(component(name));
         loaded.push([extension, version]);
       }
       await db.exec(arg.setup);
       const answers = [];
       for (const sql of arg.queries) answers.push((await db.exec(sql))[0].rows);
       const { output } = await db.evalLine('.extensions');
       await db.close();
       return { loaded, answers, output };`,
      { ...testComponents(...names), names, setup: contract.setup, queries: contract.queries.map(({ sql }) => sql) },
    );
    assert.deepEqual(results.loaded, contract.fixtures.map(({ name, version }) => [name, version]));
    assert.deepEqual(results.answers, contract.queries.map(({ rows }) => rows));
    // .extensions says which version each was built against, and what of it it exports.
    const newest = JSON.parse(readFileSync(new URL('../../rules/cases.json', import.meta.url), 'utf8')).versions.at(-1);
    const md5 = `md5 0.1.0 (bundled)\n  contract  sqlite:extension@${newest} (metadata, scalar-function, scalar-by-arity, aggregate-function, collation, table-function, virtual-table, hooks, dynamic-function)\n`;
    assert.ok(results.output.startsWith(md5), results.output);
    for (const { name, version, contract: built, exports } of contract.fixtures) {
      assert.ok(results.output.includes(`${name} ${version} (`), `${name} in ${results.output}`);
      const line = `  contract  sqlite:extension@${built} (${exports.join(', ')})\n`;
      const entry = results.output.slice(results.output.indexOf(`${name} ${version} (`));
      assert.ok(entry.split('\n')[1] + '\n' === line, `${name}: ${line} in ${results.output}`);
    }
  });

  test('a database opened with a path is kept in OPFS across a reload', async () => {
    const own = await openPage();
    const first = await inPage(
      own,
      `const db = await sqlink.openDatabase({ path: 'persist-test.db' });
       await db.exec('DROP TABLE IF EXISTS notes; CREATE TABLE notes(body)');
       await db.exec("INSERT INTO notes VALUES ('kept'), ('also kept')");
       await db.exec('BEGIN; INSERT INTO notes VALUES (\\'rolled back\\'); ROLLBACK');
       await db.close();
       return 'ok';`,
    );
    assert.equal(first, 'ok');
    await own.reload();
    await own.waitForSelector('#status[data-ready="true"]');
    const second = await inPage(
      own,
      `const db = await sqlink.openDatabase({ path: 'persist-test.db' });
       const rows = await db.exec('SELECT body FROM notes ORDER BY rowid');
       const check = await db.exec('PRAGMA integrity_check');
       await db.close();
       const memory = await sqlink.openDatabase();
       const empty = await memory.exec("SELECT count(*) FROM sqlite_schema");
       await memory.close();
       return { rows: rows[0].rows, check: check[0].rows, empty: empty[0].rows };`,
    );
    assert.deepEqual(second, { rows: [['kept'], ['also kept']], check: [['ok']], empty: [[0]] });
    await own.close();
  });
});

describe('database files in OPFS, shared between pages', () => {
  let pageA;
  let pageB;
  before(async () => {
    [pageA, pageB] = await Promise.all([openPage(), openPage()]);
  });
  after(async () => {
    await Promise.all([pageA?.close(), pageB?.close()]);
  });

  /** Open `path` in both pages (kept as globalThis.db) with the given busy timeout. */
  async function openBoth(path, timeoutMs) {
    const open = `globalThis.db = await sqlink.openDatabase({ path: ${JSON.stringify(path)} });
                  await db.exec('PRAGMA busy_timeout = ${timeoutMs}'); return 'ok';`;
    assert.deepEqual(await Promise.all([inPage(pageA, open), inPage(pageB, open)]), ['ok', 'ok']);
  }

  async function closeBoth() {
    await Promise.all([inPage(pageA, 'await db.close(); return 1'), inPage(pageB, 'await db.close(); return 1')]);
  }

  /** In a page: insert `count` tagged rows one statement each; the tags that resolved and the errors. */
  function inserts(tag, count) {
    return `const done = [], errors = [];
            for (let i = 0; i < ${count}; i++) {
              try { await db.exec(\`INSERT INTO t VALUES ('${tag}-\${i}')\`); done.push('${tag}-' + i); }
              catch (e) { errors.push(e.message); }
            }
            return { done, errors };`;
  }

  test('two pages writing at the same time lose nothing; every write that resolved is in the file', async () => {
    await inPage(pageA, `await sqlink.deleteDatabase('together.db').catch(() => {}); return 1`);
    await openBoth('together.db', 10000);
    await inPage(pageA, `await db.exec('CREATE TABLE t(tag TEXT UNIQUE)'); return 1`);
    // In turn, then at the same time.
    for (let i = 0; i < 10; i++) {
      await inPage(pageA, `await db.exec("INSERT INTO t VALUES ('turn-a-${i}')"); return 1`);
      await inPage(pageB, `await db.exec("INSERT INTO t VALUES ('turn-b-${i}')"); return 1`);
    }
    const [a, b] = await Promise.all([inPage(pageA, inserts('a', 20)), inPage(pageB, inserts('b', 20))]);
    assert.deepEqual([a.errors, b.errors], [[], []]);
    const found = await inPage(pageB, `const [r] = await db.exec('SELECT tag FROM t ORDER BY tag');
                                       const [c] = await db.exec('PRAGMA integrity_check');
                                       return { tags: r.rows.map((x) => x[0]), check: c.rows[0][0] };`);
    const expected = [...a.done, ...b.done, ...Array.from({ length: 10 }, (_, i) => [`turn-a-${i}`, `turn-b-${i}`]).flat()].sort();
    assert.deepEqual(found, { tags: expected, check: 'ok' });
    await closeBoth();

    // A third page after both closed finds every row.
    const third = await openPage();
    const rows = await inPage(third, `const db = await sqlink.openDatabase({ path: 'together.db' });
                                      const [r] = await db.exec('SELECT count(*) FROM t'); await db.close(); return r.rows[0][0];`);
    assert.equal(rows, 60);
    await third.close();
  });

  test('without a busy timeout a write that finds the file locked fails loudly, and the rest land', async () => {
    await inPage(pageA, `await sqlink.deleteDatabase('contended.db').catch(() => {}); return 1`);
    await openBoth('contended.db', 0);
    await inPage(pageA, `await db.exec('CREATE TABLE t(tag TEXT UNIQUE)'); return 1`);
    const [a, b] = await Promise.all([inPage(pageA, inserts('a', 30)), inPage(pageB, inserts('b', 30))]);
    for (const error of [...a.errors, ...b.errors]) assert.equal(error, 'database is locked');
    const tags = await inPage(pageA, `const [r] = await db.exec('SELECT tag FROM t ORDER BY tag'); return r.rows.map((x) => x[0]);`);
    assert.deepEqual(tags, [...a.done, ...b.done].sort());
    console.log(`two pages without a timeout: 60 inserts, ${tags.length} found, ${a.errors.length + b.errors.length} errors`);
    await closeBoth();
  });

  test("a write transaction in one page makes the other page's write wait, or fail past its busy timeout", async () => {
    await inPage(pageA, `await sqlink.deleteDatabase('waits.db').catch(() => {}); return 1`);
    await openBoth('waits.db', 0);
    await inPage(pageA, `await db.exec("CREATE TABLE t(tag); BEGIN IMMEDIATE; INSERT INTO t VALUES ('a')"); return 1`);
    const refused = await inPage(pageB, `try { await db.exec("INSERT INTO t VALUES ('refused')"); return 'written'; } catch (e) { return e.message; }`);
    assert.equal(refused, 'database is locked');
    // A reader sees the last committed state meanwhile.
    assert.equal(await inPage(pageB, `const [r] = await db.exec('SELECT count(*) FROM t'); return r.rows[0][0];`), 0);
    const waiting = inPage(pageB, `await db.exec('PRAGMA busy_timeout = 20000');
                                   const started = performance.now();
                                   await db.exec("INSERT INTO t VALUES ('b')");
                                   return performance.now() - started;`);
    await new Promise((resolve) => setTimeout(resolve, 800));
    // The committing page waits too: the waiting writer holds the shared lock for a moment
    // each time it tries, and a COMMIT that meets it without a timeout is busy, as in SQLite.
    await inPage(pageA, `await db.exec('PRAGMA busy_timeout = 5000; COMMIT'); return 1`);
    const waited = await waiting;
    assert.ok(waited >= 500, `the write waited ${waited} ms for the other page's transaction`);
    const tags = await inPage(pageA, `const [r] = await db.exec('SELECT tag FROM t ORDER BY tag'); return r.rows.map((x) => x[0]);`);
    assert.deepEqual(tags, ['a', 'b']);
    await closeBoth();
  });

  test('a worker stopped mid-transaction leaves a hot journal; reopening shows exactly the committed rows', async () => {
    const result = await inPage(
      pageA,
      `await sqlink.deleteDatabase('crash.db').catch(() => {});
       const db = await sqlink.openDatabase({ path: 'crash.db', callTimeoutMs: 1000 });
       await db.exec("CREATE TABLE t(tag, pad); INSERT INTO t SELECT 'kept', zeroblob(2000) FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 50) SELECT i FROM s)");
       await db.loadExtension(component('hostile'));
       let stopped;
       try {
         await db.exec("PRAGMA cache_size = 5; BEGIN; UPDATE t SET pad = zeroblob(3000); INSERT INTO t SELECT 'lost', zeroblob(2000) FROM t; SELECT spin_forever()");
       } catch (e) { stopped = e.message; }
       const root = await navigator.storage.getDirectory();
       const journal = await root.getFileHandle('crash.db-journal').then((h) => h.getFile()).then((f) => f.size, () => 0);
       const again = await sqlink.openDatabase({ path: 'crash.db' });
       // The browser releases a stopped worker's locks a moment later, as an OS does a
       // killed process's: wait for them as any second connection would.
       await again.exec('PRAGMA busy_timeout = 5000');
       const [rows] = await again.exec("SELECT count(*), sum(length(pad)), count(*) FILTER (WHERE tag = 'lost') FROM t");
       const [check] = await again.exec('PRAGMA integrity_check');
       await again.close();
       return { stopped, journal: journal > 0, rows: rows.rows[0], check: check.rows[0][0] };`,
      testComponents('hostile'),
    );
    assert.match(result.stopped, /spin_forever\(\) was stopped/);
    assert.deepEqual({ ...result, stopped: undefined }, { stopped: undefined, journal: true, rows: [50, 100000, 0], check: 'ok' });
  });

  test('a page keeps rollback journals: journal_mode=WAL stays delete, and a WAL database is refused saying why', async () => {
    const result = await inPage(
      pageA,
      `for (const name of ['wal-asked.db', 'wal-file.db']) await sqlink.deleteDatabase(name).catch(() => {});
       const db = await sqlink.openDatabase({ path: 'wal-asked.db' });
       const [mode] = await db.exec('PRAGMA journal_mode=WAL');
       await db.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1)');
       const bytes = new Uint8Array(await db.exportBytes());
       await db.close();
       // The header of a database another program left in WAL mode.
       bytes[18] = 2;
       bytes[19] = 2;
       const refused = await (async () => {
         const wal = await sqlink.openDatabase({ path: 'wal-file.db', bytes });
         try {
           await wal.exec('SELECT count(*) FROM t');
           return 'read';
         } finally {
           await wal.close();
         }
       })().then((r) => r, (e) => e.message);
       for (const name of ['wal-asked.db', 'wal-file.db']) await sqlink.deleteDatabase(name).catch(() => {});
       return { mode: mode.rows, refused };`,
    );
    assert.deepEqual(result.mode, [['delete']]);
    assert.match(result.refused, /wal-file\.db is in WAL mode, which needs memory shared between processes that this host does not give \(sqlink has it natively, not in a page\)/);
  });

  test('export, then open from the bytes, gives the same rows; listDatabases and deleteDatabase manage the files', async () => {
    const result = await inPage(
      pageA,
      `for (const name of ['exported.db', 'imported.db']) await sqlink.deleteDatabase(name).catch(() => {});
       const db = await sqlink.openDatabase({ path: 'exported.db' });
       await db.exec("CREATE TABLE t(x, b); INSERT INTO t VALUES (1, x'00ff'), ('two', NULL)");
       const bytes = await db.exportBytes();
       const busy = await sqlink.deleteDatabase('exported.db').then(() => 'deleted', (e) => e.message);
       await db.close();
       const memory = await sqlink.openDatabase({ bytes });
       const [inMemory] = await memory.exec('SELECT * FROM t ORDER BY rowid');
       await memory.close();
       const file = await sqlink.openDatabase({ path: 'imported.db', bytes });
       const [inFile] = await file.exec('SELECT * FROM t ORDER BY rowid');
       await file.close();
       const listed = await sqlink.listDatabases();
       await sqlink.deleteDatabase('imported.db');
       const after = await sqlink.listDatabases();
       return { header: new TextDecoder().decode(bytes.slice(0, 15)), busy, inMemory: inMemory.rows, inFile: inFile.rows,
                listed: listed.filter((n) => ['exported.db', 'imported.db'].includes(n)),
                after: after.filter((n) => ['exported.db', 'imported.db'].includes(n)) };`,
    );
    assert.equal(result.header, 'SQLite format 3');
    assert.match(result.busy, /cannot delete exported\.db: it is open in a page/);
    const rows = [[1, { bytes: [0, 255] }], ['two', null]];
    assert.deepEqual([result.inMemory, result.inFile], [rows, rows]);
    assert.deepEqual(result.listed, ['exported.db', 'imported.db']);
    assert.deepEqual(result.after, ['exported.db']);
  });
});

test('the page runs a runtime from sqlink compose --host, its extensions there from the start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sqlink-composed-'));
  const app = join(dir, 'app.wasm');
  const sqlink = fileURLToPath(new URL('../../target/release/sqlink', import.meta.url));
  execFileSync(sqlink, ['compose', '--with', 'md5', '--host', '-o', app], { stdio: ['ignore', 'ignore', 'pipe'] });
  const composed = await serve(build(join(dir, 'dist'), app), 0);
  try {
    const page = await openPage('', `http://127.0.0.1:${composed.address().port}`);
    assert.equal(await typeLine(page, "SELECT md5('abc');"), "sqlink> SELECT md5('abc');\n900150983cd24fb0d6963f7d28e17f72\n");
    // Any other extension still loads through the page.
    assert.equal(await typeLine(page, '.load uuid'), 'sqlink> .load uuid\n');
    assert.equal(await typeLine(page, 'SELECT length(uuid()), md5(\'a\');'), "sqlink> SELECT length(uuid()), md5('a');\n36|0cc175b9c0f1b6a831c399e269772661\n");
    assert.deepEqual(page.errors, []);
    await page.close();
  } finally {
    composed.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('SQL from an extension (sqlite:extension/connection)', () => {
  test('kv keeps its rows in its shadow table: writes, ROLLBACK, a savepoint, and the rows after a reload from OPFS', async () => {
    const own = await openPage();
    const first = await inPage(
      own,
      `const db = await sqlink.openDatabase({ path: 'kv-test.db' });
       await db.loadExtension(component('kv'));
       const rows = async (sql) => (await db.exec(sql)).at(-1).rows;
       const error = async (sql) => {
         try { await db.exec(sql); return 'resolved'; } catch (e) { return e.message; }
       };
       await db.exec("CREATE VIRTUAL TABLE store USING kv; INSERT INTO store VALUES ('a', 1), ('b', 'two')");
       const written = await rows('SELECT key, value FROM store ORDER BY key');
       await db.exec("UPDATE store SET value = 10 WHERE key = 'a'; DELETE FROM store WHERE key = 'b'");
       const changed = await rows('SELECT key, value FROM store');
       await db.exec("BEGIN; INSERT INTO store VALUES ('c', 3); DELETE FROM store WHERE key = 'a'; ROLLBACK");
       const rolledBack = await rows('SELECT key, value FROM store');
       await db.exec("BEGIN; INSERT INTO store VALUES ('d', 4); SAVEPOINT s; INSERT INTO store VALUES ('e', 5); UPDATE store SET value = 0; ROLLBACK TO s; RELEASE s; COMMIT");
       const savepoint = await rows('SELECT key, value FROM store ORDER BY key');
       const shadow = await rows('SELECT key, value FROM store_data ORDER BY key');
       const found = await rows("SELECT value FROM store WHERE key = 'd'");
       const duplicate = await error("INSERT INTO store VALUES ('d', 5)");
       const after = await rows('SELECT count(*) FROM store');
       await db.close();
       return { written, changed, rolledBack, savepoint, shadow, found, duplicate, after };`,
      testComponents('kv'),
    );
    assert.deepEqual(first.written, [['a', 1], ['b', 'two']]);
    assert.deepEqual(first.changed, [['a', 10]]);
    assert.deepEqual(first.rolledBack, [['a', 10]]);
    assert.deepEqual(first.savepoint, [['a', 10], ['d', 4]]);
    assert.deepEqual(first.shadow, [['a', 10], ['d', 4]]);
    assert.deepEqual(first.found, [[4]]);
    assert.match(first.duplicate, /UNIQUE constraint failed: store_data\.key/);
    assert.deepEqual(first.after, [[2]]);
    await own.reload();
    await own.waitForSelector('#status[data-ready="true"]');
    const second = await inPage(
      own,
      `const db = await sqlink.openDatabase({ path: 'kv-test.db' });
       await db.loadExtension(component('kv'));
       const rows = (await db.exec('SELECT key, value FROM store ORDER BY key'))[0].rows;
       const check = (await db.exec('PRAGMA integrity_check'))[0].rows;
       await db.close();
       return { rows, check };`,
      testComponents('kv'),
    );
    assert.deepEqual(second, { rows: [['a', 10], ['d', 4]], check: [['ok']] });
    await own.close();
  });

  test('an extension runs SQL on its calling connection; ATTACH, DETACH, a kept statement, a call back and an endless query are refused or stopped', async () => {
    const page = await openPage();
    const results = await inPage(
      page,
      `const db = await sqlink.openDatabase({ callTimeoutMs: 1000 });
       await db.loadExtension(component('connection'));
       const rows = async (sql) => (await db.exec(sql)).at(-1).rows;
       const error = async (sql) => {
         try { await db.exec(sql); return 'resolved'; } catch (e) { return e.message; }
       };
       await db.exec('CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)');
       const value = await rows("SELECT sql_value('SELECT sum(x) FROM t WHERE x > ?', 0)");
       const write = await rows("SELECT sql_write('INSERT INTO t VALUES (3)')");
       const stepped = await rows("SELECT sql_rows('SELECT x, x * 2 AS y FROM t ORDER BY x')");
       const attach = await error("SELECT sql_value('ATTACH '':memory:'' AS other', NULL)");
       const detach = await error("SELECT sql_value('DETACH main', NULL)");
       const badSql = await error("SELECT sql_value('SELEKT 1', NULL)");
       await db.exec("SELECT sql_keep('SELECT 1')");
       const kept = await error('SELECT sql_use_kept()');
       const callBack = await error("SELECT sql_value('SELECT sql_value(''SELECT 1'', NULL)', NULL)");
       const endless = await error("SELECT sql_value('WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c', NULL)");
       const after = await rows('SELECT x FROM t ORDER BY x');
       const attached = await rows('PRAGMA database_list');
       await db.close();
       return { value, write, stepped, attach, detach, badSql, kept, callBack, endless, after, attached: attached.length };`,
      testComponents('connection'),
    );
    assert.deepEqual(results.value, [[3]]);
    assert.deepEqual(results.write, [['1/3']]);
    assert.deepEqual(results.stepped, [['x,y:1,2;2,4;3,6 again:1,2']]);
    assert.match(results.attach, /not authorized: an extension's SQL may not ATTACH, DETACH or load extensions/);
    assert.match(results.detach, /not authorized: an extension's SQL may not ATTACH, DETACH or load extensions/);
    assert.match(results.badSql, /syntax error/);
    assert.match(results.kept, /the statement was finalized: a statement lives only during the call that prepared it/);
    assert.match(results.callBack, /an extension's SQL cannot call extension functions/);
    assert.match(results.endless, /interrupted/);
    assert.deepEqual(results.after, [[1], [2], [3]]);
    assert.equal(results.attached, 1);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('define: functions defined at run time answer as in the native REPL, from a define table too, and come back from OPFS', async () => {
    // Two sessions on one database file; the second reopens it. Each line is SQL, or a dot
    // command (the page's REPL runs those).
    const sessions = [
      [
        "SELECT define('sumn', ':n * (:n + 1) / 2')",
        'SELECT sumn(5), sumn(100), sumn(NULL)',
        "SELECT define('joined', ':a || ''-'' || :b || ''-'' || :a')",
        "SELECT joined('x', 2), joined(1.5, NULL)",
        'CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)',
        "SELECT define('scaled', '(SELECT sum(x) * :k FROM t)')",
        'SELECT scaled(10), typeof(scaled(NULL)), sumn(scaled(1))',
        'CREATE VIRTUAL TABLE upto USING define((WITH RECURSIVE c(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM c WHERE v < :n) SELECT v, v * v AS sq FROM c))',
        'CREATE VIRTUAL TABLE strcut USING define((SELECT substr(:s, :start, :len) AS part))',
        'SELECT sum(sq) FROM upto(4)',
        "SELECT * FROM strcut('hello', 2, 3)",
        'SELECT x, count(*), sum(sq) FROM t, upto(t.x + 1) GROUP BY x ORDER BY x',
        'SELECT v, sumn(v) FROM upto(3)',
        "SELECT define('sumn', ':y')",
        "SELECT define('abs', ':x')",
        "SELECT define('bad', 'selec 1 +')",
        'SELECT sumn(1, 2)',
        "SELECT undefine('nope')",
        // A defined function calls another (contract 0.5.0: the runtime runs its body).
        "SELECT define('nested', 'sumn(:y) + 1')",
        'SELECT nested(2)',
        'SELECT name, type, body FROM sqlean_define ORDER BY name',
        "SELECT define('f1', ':x + 1')",
        "SELECT define('f2', 'f1(:x) * 2')",
        'SELECT f2(3)',
        // chainN(x) calls chainN-1(x): nested deeper than the host gives is one error, and the
        // session goes on.
        "SELECT define('chain0', ':x')",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30) SELECT sum(define('chain' || i, 'chain' || (i - 1) || '(:x) + 1') IS NULL) FROM n",
        'SELECT chain30(0)',
        'SELECT f2(0), chain3(0)',
      ],
      [
        'SELECT define_free()',
        "SELECT sumn(3), joined('a', 'b'), scaled(1)",
        // Reopened, the nested ones come back in an order that compiles.
        'SELECT f2(3), chain10(1), nested(2)',
        'SELECT v FROM upto(3)',
        "SELECT undefine('sumn')",
        'SELECT sumn(3)',
        "SELECT define('sumn', ':a + :b')",
        'SELECT sumn(3, 4)',
        'DROP TABLE strcut',
        'SELECT name FROM sqlean_define ORDER BY name',
        '.unload define',
        'SELECT scaled(1)',
        'SELECT count(*) FROM sqlean_define',
      ],
    ];
    const native = nativeDefine(sessions);
    const page = await openPage();
    const inPageAnswers = await inPage(
      page,
      `const answers = [];
       for (const lines of arg.sessions) {
         const db = await sqlink.openDatabase({ path: 'define-test.db' });
         await db.loadExtension('define');
         const session = [];
         for (const line of lines) {
           if (line.startsWith('.')) {
             session.push({ output: (await db.evalLine(line)).output });
             continue;
           }
           try {
             session.push({ rows: (await db.exec(line)).at(-1)?.rows ?? [] });
           } catch (e) {
             session.push({ error: e.message });
           }
         }
         await db.close();
         answers.push(session);
       }
       await sqlink.deleteDatabase('define-test.db');
       return answers;`,
      { sessions },
    );
    assert.deepEqual(inPageAnswers, native);
    // What the comparison covers: values, a lateral join with a define table, errors.
    assert.deepEqual(native[0][1], { rows: [[15, 5050, null]] });
    assert.deepEqual(native[0][11], { rows: [[1, 2, 5], [2, 3, 14]] });
    assert.match(native[0][13].error, /define\(sumn\): a function of that name is defined already/);
    assert.deepEqual(native[0][19], { rows: [[4]] });
    assert.deepEqual(native[0][23], { rows: [[8]] });
    assert.deepEqual(native[0][25], { rows: [[30]] });
    assert.equal(native[0][26].error?.match(/nested more than/g)?.length, 1, native[0][26].error);
    assert.deepEqual(native[0][27], { rows: [[2, 3]] });
    assert.deepEqual(native[1][1], { rows: [[6, 'a-b-a', 3]] });
    assert.deepEqual(native[1][2], { rows: [[8, 11, 4]] });
    assert.match(native[1][5].error, /no such function: sumn/);
    assert.match(native[1][11].error, /no such function: scaled/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

/**
 * The answers of the native `sqlink` REPL to `sessions` (lists of lines, one run each on one
 * database file, the bundled define loaded first), one per line as the page test gathers them: { rows }
 * (read from `.mode json`), { error } (the first line of its report) or, for a dot command,
 * { output }.
 */
function nativeDefine(sessions) {
  const dir = mkdtempSync(join(tmpdir(), 'sqlink-define-'));
  const sqlink = fileURLToPath(new URL('../../target/release/sqlink', import.meta.url));
  try {
    return sessions.map((lines) => {
      // Each line after a marker, so its output and its error's line number name it.
      const header = ['.load define', '.mode json'];
      const input = [...header, ...lines.flatMap((line, i) => [`.print @@${i}`, line.endsWith(';') || line.startsWith('.') ? line : `${line};`])];
      const run = spawnSync(sqlink, [join(dir, 'define.db')], { input: `${input.join('\n')}\n`, encoding: 'utf8', cwd: dir, env: { ...process.env, SQLINK_PATH: '' } });
      const outputs = run.stdout.split(/^@@\d+\n/m).slice(1);
      const errors = new Map();
      for (const match of run.stderr.matchAll(/near line (\d+): (.*)/g)) errors.set((Number(match[1]) - header.length) / 2 - 1, match[2]);
      return lines.map((line, i) => {
        if (errors.has(i)) return { error: errors.get(i) };
        if (line.startsWith('.')) return { output: outputs[i] };
        const text = outputs[i].trim();
        return { rows: text === '' ? [] : JSON.parse(text).map((row) => Object.values(row)) };
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
