// The npm package as a web developer meets it: the tarball `npm pack` makes, installed into a
// fresh Vite app that imports 'sqlink', built by `vite build`, and the built app run in
// headless Chromium (Debian's, as in browser.test.mjs): `.load md5` and a query, then a row
// written to an OPFS database and read back after a reload.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build, bundledExtensions } from '../build.mjs';
import { serve } from '../server.mjs';
import { launch } from '../chromium.mjs';

const browserDir = fileURLToPath(new URL('..', import.meta.url));
const vite = join(browserDir, 'node_modules', 'vite', 'bin', 'vite.js');

let work;
let packed;
let server;
let context;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'sqlink-npm-'));
  // `npm pack` in browser/ builds browser/dist first (prepack); here the package is staged in
  // its own folder, from the same package.json, so that it does not race browser.test.mjs,
  // which rebuilds browser/dist.
  const stage = join(work, 'package');
  build(join(stage, 'dist'));
  for (const file of ['package.json', 'README.md']) cpSync(join(browserDir, file), join(stage, file));
  const output = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: stage, encoding: 'utf8' });
  [packed] = JSON.parse(output);
});

after(async () => {
  await context?.close();
  server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the tarball holds the page API and its types, the worker, the runtime and every bundled extension, not the demo page', (t) => {
  t.diagnostic(`${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.entryCount} files`);
  const files = new Set(packed.files.map((file) => file.path));
  const expected = ['package.json', 'README.md', 'dist/sqlink.js', 'dist/sqlink.d.ts', 'dist/worker.js', 'dist/assets.js',
    'dist/runtime/sqlink-runtime.js', 'dist/runtime/sqlink-runtime.core.wasm',
    'dist/vendor/jco/js-component-bindgen-component.core.wasm',
    ...bundledExtensions().map(({ name }) => `dist/wasm/${name}.wasm`)];
  for (const file of expected) assert.ok(files.has(file), `${file} is in the tarball`);
  for (const file of ['dist/index.html', 'dist/app.js', 'dist/style.css', 'dist/runtime/sqlink-runtime.d.ts']) {
    assert.ok(!files.has(file), `${file} is not in the tarball`);
  }
  const manifest = JSON.parse(readFileSync(join(work, 'package', 'package.json'), 'utf8'));
  assert.equal(manifest.name, 'sqlink');
  assert.deepEqual(manifest.exports['.'], { types: './dist/sqlink.d.ts', default: './dist/sqlink.js' });
  // Everything it runs is in the tarball: installing it needs no registry.
  assert.equal(manifest.dependencies, undefined);
});

// What lets a bundler follow the package (the Vite app below proves Vite does; webpack 5 was
// checked by hand): no Node built-in imported, every file reached by a literal
// `new URL('./…', import.meta.url)`, and an import of a computed URL marked as the browser's own.
test('the tarball\'s modules use only patterns bundlers follow', () => {
  const dist = join(work, 'package', 'dist');
  const modules = readdirSync(dist, { recursive: true }).filter((name) => name.endsWith('.js'));
  assert.ok(modules.length > 10);
  for (const name of modules) {
    const text = readFileSync(join(dist, name), 'utf8');
    assert.equal(text.match(/(from\s*|import\(\s*)['"]node:[\w/]+/)?.[0], undefined, `${name} imports a Node built-in`);
    for (const [, target] of text.matchAll(/new URL\(\s*([^,()]*?)\s*,\s*import\.meta\.url\s*\)/g)) {
      assert.match(target, /^'\.\/[^'$]+'$/, `${name}: new URL(${target}, import.meta.url) is not a literal relative path`);
    }
    for (const [call, target] of text.matchAll(/\bimport\((.*?)\)/g)) {
      if (!/^\s*['"]/.test(target)) assert.match(call, /webpackIgnore: true/, `${name}: ${call} is left to the bundler`);
    }
  }
});

const INDEX_HTML = `<!doctype html>
<html>
  <head><meta charset="utf-8"><title>sqlink in a Vite app</title></head>
  <body>
    <pre id="result"></pre>
    <script type="module" src="./main.js"></script>
  </body>
</html>
`;

// The app's code, as its author would write it: what it saw goes to #result as JSON.
const MAIN_JS = `import { openDatabase } from 'sqlink';

async function run() {
  const memory = await openDatabase();
  const load = await memory.evalLine('.load md5');
  const [{ rows: [[digest]] }] = await memory.exec("SELECT md5('sqlink from npm')");
  await memory.close();

  const file = await openDatabase({ path: 'notes.db' });
  await file.exec('CREATE TABLE IF NOT EXISTS notes(body TEXT)');
  const [{ rows }] = await file.exec('SELECT body FROM notes');
  if (rows.length === 0) await file.exec("INSERT INTO notes VALUES ('written before the reload')");
  await file.close();
  return { loadOutput: load.output, digest, rows, isolated: globalThis.crossOriginIsolated };
}

const result = document.getElementById('result');
run()
  .then((seen) => { result.textContent = JSON.stringify(seen); })
  .catch((error) => { result.textContent = JSON.stringify({ error: String(error?.message ?? error) }); })
  .finally(() => { result.dataset.done = 'true'; });
`;

test('a fresh Vite app installs the tarball, builds, and in Chromium loads md5 and reads its OPFS row back after a reload', async () => {
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'sqlink-vite-app', private: true, type: 'module', scripts: { build: 'vite build' } }, null, 2));
  writeFileSync(join(app, 'index.html'), INDEX_HTML);
  writeFileSync(join(app, 'main.js'), MAIN_JS);
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', join(work, packed.filename)], { cwd: app, stdio: 'pipe' });
  assert.equal(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).dependencies.sqlink, `file:../${packed.filename}`);

  // Vite from browser/'s devDependencies (npm ci from its lockfile, no registry at test time),
  // run in the app's folder as the app's `vite build`. A warning would be a pattern Vite did
  // not follow (an asset it could not find, a Node built-in it stubbed out).
  const warnings = execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: app, encoding: 'utf8', stdio: 'pipe' });
  assert.equal(warnings.trim(), '');

  // The repo's server sends the COOP/COEP headers, as the package's README asks of a host.
  server = await serve(join(app, 'dist'), 0);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const profile = join(work, 'profile');
  context = await launch(profile);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const fetched = [];
  page.on('request', (request) => fetched.push(new URL(request.url()).pathname));

  const visit = async (load) => {
    await load();
    await page.waitForSelector('#result[data-done]', { timeout: 60_000 });
    return JSON.parse(await page.textContent('#result'));
  };

  const first = await visit(() => page.goto(base));
  assert.deepEqual(first, {
    loadOutput: '',
    digest: createHash('md5').update('sqlink from npm').digest('hex'),
    rows: [],
    isolated: true,
  });
  // The extension came from the app's own build output, where Vite put the package's asset.
  assert.ok(fetched.some((path) => /^\/assets\/md5-[\w-]+\.wasm$/.test(path)), `md5's asset was fetched: ${fetched.join(', ')}`);

  const second = await visit(() => page.reload());
  assert.deepEqual(second.rows, [['written before the reload']]);
  assert.deepEqual(errors, []);
});
