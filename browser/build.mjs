// Builds the served site into browser/dist/: the runtime transpiled by jco (JSPI async mode,
// instantiation mode so each database gets its own WASI), the vendored shim and in-page
// transpiler with their bare imports made relative, the sqlink module, the demo page, and
// the bundled extension components under wasm/. The npm package (package.json's `files`) is
// this folder without the demo page: `npm pack` runs this build first (`prepack`).

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const wasmDir = join(root, 'target', 'wasm');
const defaultDist = join(here, 'dist');
const modules = join(here, 'node_modules', '@bytecodealliance');

/**
 * The bundled extensions, [{ name, grantsClock }]: extensions/bundled.txt as `cargo xtask
 * build` writes it beside the components (the one reader of that list is Rust's).
 */
export function bundledExtensions() {
  return JSON.parse(readFileSync(join(wasmDir, 'bundled.json'), 'utf8'));
}

// The runtime's imports that suspend the guest (JSPI) and its exports that may suspend.
const ASYNC_IMPORTS = [
  'wasi:io/streams#[method]input-stream.blocking-read',
  'wasi:io/poll#[method]pollable.block',
  'wasi:io/streams#[method]output-stream.blocking-flush',
  'sqlink:wasm/spi-loader#load',
  // OPFS opens, stats and removes files asynchronously; Web Locks are granted asynchronously.
  'wasi:filesystem/types#[method]descriptor.open-at',
  'wasi:filesystem/types#[method]descriptor.stat-at',
  'wasi:filesystem/types#[method]descriptor.metadata-hash-at',
  'wasi:filesystem/types#[method]descriptor.unlink-file-at',
  'sqlink:wasm/file-locks#[method]file-lock.acquire',
  'sqlink:wasm/file-locks#[method]file-lock.release',
  'sqlink:wasm/file-locks#[method]file-lock.reserved-by-any',
  // An extension that imports `connection` may wait in its SQL (browser/src/sql.js); the
  // per-row calls wait through engine.js's own suspending imports instead.
  ...['table-open', 'table-next', 'vtab-connect', 'vtab-best-index', 'vtab-open', 'vtab-filter', 'vtab-next', 'vtab-update',
    'vtab-transaction', 'vtab-rename', 'vtab-destroy', 'dynamic-call'].map((name) => `sqlink:wasm/dispatch#${name}`),
];
const ASYNC_EXPORTS = [
  'wasi:cli/run#run',
  'sqlink:wasm/session#exec',
  'sqlink:wasm/session#eval-line',
  'sqlink:wasm/session#load-extension',
  'sqlink:wasm/session#open',
  'sqlink:wasm/session#serialize',
  'sqlink:wasm/session#deserialize',
];

function transpileRuntime(dist, runtime) {
  if (!existsSync(runtime)) throw new Error(`${runtime} is missing: run cargo xtask build first`);
  const jco = join(here, 'node_modules', '@bytecodealliance', 'jco', 'dist', 'jco.js');
  execFileSync(process.execPath, [
    jco, 'transpile', runtime, '-o', join(dist, 'runtime'), '--name', 'sqlink-runtime', '--quiet',
    '--instantiation', 'async', '--async-mode', 'jspi',
    '--async-imports', ...ASYNC_IMPORTS, '--async-exports', ...ASYNC_EXPORTS,
  ], { stdio: 'inherit' });
}

// Browsers resolve only relative or absolute specifiers without an import map.
function relativeImports(dist, file) {
  const text = readFileSync(file, 'utf8').replace(
    /(from\s*|import\s*\(\s*)(['"])@bytecodealliance\/preview2-shim(\/[\w-]+)?\2/g,
    (_, keyword, quote, sub) => {
      const target = join(dist, 'vendor', 'preview2-shim', sub ? `${sub.slice(1)}.js` : 'index.js');
      let path = relative(dirname(file), target);
      if (!path.startsWith('.')) path = `./${path}`;
      return `${keyword}${quote}${path}${quote}`;
    },
  );
  writeFileSync(file, text);
}

function vendor(dist) {
  const shim = join(dist, 'vendor', 'preview2-shim');
  mkdirSync(shim, { recursive: true });
  const shimDist = join(modules, 'preview2-shim', 'dist');
  for (const name of readdirSync(join(shimDist, 'browser')).filter((n) => n.endsWith('.js'))) {
    cpSync(join(shimDist, 'browser', name), join(shim, name));
  }
  cpSync(join(shimDist, 'common', 'instantiation.js'), join(shim, 'instantiation.js'));
  const jco = join(dist, 'vendor', 'jco');
  mkdirSync(jco, { recursive: true });
  const bindgen = join(modules, 'jco-transpile', 'vendor');
  for (const name of readdirSync(bindgen).filter((n) => n.startsWith('js-component-bindgen-component.') && !n.endsWith('.d.ts'))) {
    cpSync(join(bindgen, name), join(jco, name));
  }
  for (const dir of [shim, jco]) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.js'))) relativeImports(dist, join(dir, name));
  }
}

// Text rewrites of jco's generated modules for bundlers; each must apply, so that a jco
// upgrade that changes the text fails the build instead of shipping the old shape.
function rewrite(file, pattern, replacement, why) {
  const text = readFileSync(file, 'utf8');
  if (!pattern.test(text)) throw new Error(`${file}: jco's output has changed (${why}); update build.mjs`);
  writeFileSync(file, text.replace(pattern, replacement));
}

// Under Node, jco's modules compile their core modules from files through
// `import('node:fs/promises')`, which a bundler for the web cannot resolve (webpack fails,
// Vite stubs it out). This package runs only in browsers: keep the fetch. Their leading
// "use components" directive means nothing to a browser and makes bundlers warn.
function browserOnly(file) {
  rewrite(file, /async function fetchCompile \(url\) \{\n\s*if \(isNode\) \{\n[^}]*\}\n/, 'async function fetchCompile (url) {\n', 'fetchCompile');
  rewrite(file, /^"use components";\n/, '', 'the leading directive');
}

// The runtime's default core module loader, `new URL(`./${name}`, import.meta.url)`, reads to
// a bundler as "every file beside me is an asset". engine.js always passes its own.
function coreModulesRequired(file) {
  rewrite(
    file,
    /if \(!getCoreModule\) getCoreModule = .*\n/,
    "if (!getCoreModule) throw new TypeError('getCoreModule is required');\n",
    'the default getCoreModule',
  );
}

// Every file the worker fetches, as `new URL('./literal', import.meta.url)`: the pattern
// bundlers (Vite, webpack) follow to emit a file as an asset and rewrite the URL to it.
function assetsModule(dist, bundled) {
  const urls = (dir, names, key) =>
    `{\n${names.map((name) => `  ${JSON.stringify(key(name))}: new URL('./${dir}/${name}', import.meta.url),\n`).join('')}}`;
  const cores = readdirSync(join(dist, 'runtime')).filter((name) => name.endsWith('.wasm')).sort();
  const extensions = bundled.map(({ name }) => `${name}.wasm`);
  writeFileSync(
    join(dist, 'assets.js'),
    '// Written by build.mjs: the files the worker fetches, in a form bundlers follow.\n' +
      `export const RUNTIME_MODULES = ${urls('runtime', cores, (name) => name)};\n` +
      `export const BUNDLED_URLS = ${urls('wasm', extensions, (name) => name.replace(/\.wasm$/, ''))};\n`,
  );
}

/**
 * Build the site into `dist` (browser/dist by default); returns its path. `runtime` is the
 * runtime component the page runs: sqlink's own, or one from `sqlink compose --host` (its
 * composed extensions are there from the start; SQLINK_RUNTIME names it for `cargo xtask web`).
 */
export function build(dist = defaultDist, runtime = process.env.SQLINK_RUNTIME || join(wasmDir, 'sqlink-runtime.wasm')) {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  transpileRuntime(dist, runtime);
  vendor(dist);
  const transpiled = join(dist, 'runtime', 'sqlink-runtime.js');
  browserOnly(transpiled);
  coreModulesRequired(transpiled);
  for (const name of readdirSync(join(dist, 'vendor', 'jco')).filter((n) => n.endsWith('.js'))) {
    browserOnly(join(dist, 'vendor', 'jco', name));
  }
  for (const dir of ['src', 'web']) cpSync(join(here, dir), dist, { recursive: true });
  mkdirSync(join(dist, 'wasm'), { recursive: true });
  const bundled = bundledExtensions();
  for (const { name } of bundled) cpSync(join(wasmDir, `${name}.wasm`), join(dist, 'wasm', `${name}.wasm`));
  const names = (list) => JSON.stringify(list.map((extension) => extension.name));
  writeFileSync(
    join(dist, 'bundled.js'),
    `// Written by build.mjs from extensions/bundled.txt.\nexport const BUNDLED_EXTENSIONS = ${names(bundled)};\n` +
      `export const GRANTED_CLOCK = ${names(bundled.filter((extension) => extension.grantsClock))};\n`,
  );
  assetsModule(dist, bundled);
  return dist;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`built ${relative(process.cwd(), build())}`);
}
