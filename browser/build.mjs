// Builds the served site into browser/dist/: the runtime transpiled by jco (JSPI async mode,
// instantiation mode so each database gets its own WASI), the vendored shim and in-page
// transpiler with their bare imports made relative, the sqlink module, the demo page, and
// the example extension components under wasm/.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const wasmDir = join(root, 'target', 'wasm');
const dist = join(here, 'dist');
const modules = join(here, 'node_modules', '@bytecodealliance');

/** extensions/bundled.txt, the one list of bundled extensions: [{ name, grantsClock }]. */
export function bundledExtensions() {
  return readFileSync(join(root, 'extensions', 'bundled.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [name, , ...grants] = line.split(/\s+/);
      return { name, grantsClock: grants.includes('clock') };
    });
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

function transpileRuntime() {
  const runtime = join(wasmDir, 'sqlink-runtime.wasm');
  if (!existsSync(runtime)) throw new Error(`${runtime} is missing: run cargo xtask build first`);
  const jco = join(here, 'node_modules', '@bytecodealliance', 'jco', 'dist', 'jco.js');
  execFileSync(process.execPath, [
    jco, 'transpile', runtime, '-o', join(dist, 'runtime'), '--name', 'sqlink-runtime', '--quiet',
    '--instantiation', 'async', '--async-mode', 'jspi',
    '--async-imports', ...ASYNC_IMPORTS, '--async-exports', ...ASYNC_EXPORTS,
  ], { stdio: 'inherit' });
}

// Browsers resolve only relative or absolute specifiers without an import map.
function relativeImports(file) {
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

function vendor() {
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
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.js'))) relativeImports(join(dir, name));
  }
}

export function build() {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  transpileRuntime();
  vendor();
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
  return dist;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`built ${relative(process.cwd(), build())}`);
}
