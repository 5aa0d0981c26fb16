// sqlink in the browser: the composed runtime (SQLite + the REPL, transpiled by jco at build
// time) runs one instance per database; extension components are transpiled in the page with
// jco's `generate` and called synchronously from SQLite's trampolines.

import { WASIShim } from './vendor/preview2-shim/instantiation.js';
import { instantiate as instantiateRuntime } from './runtime/sqlink-runtime.js';
import { loadExtensionComponent } from './extensions.js';

/** The bundled example extensions, served beside this module under wasm/. */
export const BUNDLED_EXTENSIONS = ['uuid', 'md5', 'snake', 'stats'];

/**
 * True when the browser has JavaScript Promise Integration, which the runtime needs to
 * wait for an extension to be fetched and compiled in the middle of a `.load`.
 */
export function jspiSupported() {
  return typeof WebAssembly.Suspending === 'function' && typeof WebAssembly.promising === 'function';
}

export const JSPI_MISSING =
  'sqlink needs WebAssembly JavaScript Promise Integration (JSPI): use Chromium 137 or later, ' +
  'or a browser with WebAssembly.Suspending and WebAssembly.promising.';

// Compiled core modules are shared by every database on the page; instances are not.
const runtimeModules = new Map();
function runtimeModule(name) {
  if (!runtimeModules.has(name)) {
    const url = new URL(`./runtime/${name}`, import.meta.url);
    runtimeModules.set(name, WebAssembly.compileStreaming(fetch(url)));
  }
  return runtimeModules.get(name);
}

/** Text written to a WASI output stream, kept for error messages instead of the console. */
function captureStream() {
  const decoder = new TextDecoder();
  const stream = {
    text: '',
    handler: {
      write(bytes) {
        stream.text += decoder.decode(bytes, { stream: true });
        // Only the tail matters (the last panic message); keep memory bounded.
        if (stream.text.length > 65536) stream.text = stream.text.slice(-16384);
      },
      blockingFlush() {},
      flush() {},
    },
    take() {
      const text = stream.text;
      stream.text = '';
      return text;
    },
  };
  return stream;
}

/** A SQL value as JavaScript: integers as numbers while exact, BigInt beyond. */
function fromValue(value) {
  switch (value.tag) {
    case 'null':
      return null;
    case 'integer':
      return value.val >= BigInt(Number.MIN_SAFE_INTEGER) && value.val <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value.val)
        : value.val;
    case 'real':
    case 'text':
    case 'blob':
      return value.val;
    default:
      throw new TypeError(`unknown SQL value ${value.tag}`);
  }
}

/** The message of an error a component export returned (jco wraps it in ComponentError). */
function componentMessage(error) {
  if (error && Object.prototype.hasOwnProperty.call(error, 'payload')) {
    return typeof error.payload === 'string' ? error.payload : error.payload?.message ?? String(error.payload);
  }
  return error?.message ?? String(error);
}

function opfsName(path) {
  if (typeof path !== 'string' || path === '' || /[\\/]/.test(path) || path === '.' || path === '..') {
    throw new TypeError(`database path must be a plain file name in the origin's private file system, got ${JSON.stringify(path)}`);
  }
  return path;
}

/**
 * Open a database. Without `path` it lives in memory; with `path` it is kept in the origin
 * private file system (OPFS) under that name and reloaded by the next `openDatabase`.
 * @param {{ path?: string }} [options]
 * @returns {Promise<Database>}
 */
export async function openDatabase(options = {}) {
  if (!jspiSupported()) throw new Error(JSPI_MISSING);
  const db = new Database(options.path === undefined || options.path === ':memory:' ? null : opfsName(options.path));
  await db._start();
  return db;
}

let nextBytesKey = 1;

export class Database {
  #session = null;
  #queue = Promise.resolve();
  #closed = false;
  #path;
  #fileHandle = null;
  #saved = null;
  #extensions = new Map();
  #pendingBytes = new Map();
  #nextHandle = 1;

  constructor(path) {
    this.#path = path;
  }

  /** The OPFS file name, or null for an in-memory database. */
  get path() {
    return this.#path;
  }

  async _start() {
    const stdout = captureStream();
    const stderr = captureStream();
    this.stderr = stderr;
    const shim = new WASIShim({
      stdout: stdout.handler,
      stderr: stderr.handler,
      sandbox: { preopens: {}, env: {}, args: ['sqlink'], enableNetwork: false },
    });
    const imports = {
      ...shim.getImportObject(),
      'sqlink:wasm/spi-loader': {
        load: (nameOrPath) => this.#load(nameOrPath),
        unload: (handle) => this.#unload(handle),
        list: () => [...this.#extensions.values()].map((ext) => ext.describe()),
      },
      'sqlink:wasm/dispatch': this.#dispatch(),
    };
    const runtime = await instantiateRuntime(runtimeModule, imports);
    this.#session = runtime.session;
    if (this.#path !== null) {
      const root = await navigator.storage.getDirectory();
      this.#fileHandle = await root.getFileHandle(this.#path, { create: true });
      const image = new Uint8Array(await (await this.#fileHandle.getFile()).arrayBuffer());
      if (image.length > 0) {
        await this.#call(() => this.#session.deserialize(image));
        this.#saved = image;
      }
    }
  }

  // One call at a time per session: an export must not be entered while another is
  // suspended (waiting for an extension to load).
  #enqueue(operation) {
    const run = this.#queue.then(async () => {
      if (this.#closed) throw new Error('the database is closed');
      const result = await operation();
      await this.#persist();
      return result;
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  async #call(operation) {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) {
        this.#closed = true;
        throw new Error(`the sqlink runtime failed and this database was closed: ${error.message}`);
      }
      throw new Error(componentMessage(error));
    }
  }

  // Write the database to OPFS after each change, once no transaction is open.
  async #persist() {
    if (this.#closed || this.#fileHandle === null || !this.#session.isAutocommit()) return;
    const image = await this.#call(() => this.#session.serialize());
    const saved = this.#saved;
    if (saved !== null && saved.length === image.length && saved.every((byte, i) => byte === image[i])) return;
    const writable = await this.#fileHandle.createWritable();
    await writable.write(image);
    await writable.close();
    this.#saved = image;
  }

  /**
   * Run every statement of `sql`. One entry per statement; rows hold typed values.
   * Rejects with SQLite's message on the first failing statement.
   * @param {string} sql
   * @returns {Promise<{ columns: string[], rows: any[][] }[]>}
   */
  exec(sql) {
    return this.#enqueue(async () => {
      const results = await this.#call(() => this.#session.exec(String(sql)));
      return results.map(({ columns, rows }) => ({ columns, rows: rows.map((row) => row.map(fromValue)) }));
    });
  }

  /**
   * One line of REPL input, as the native `sqlink` shell takes it: a dot command, or SQL
   * that runs once the statement is complete.
   * @param {string} line
   * @returns {Promise<{ output: string, pending: boolean, quit: boolean }>}
   */
  evalLine(line) {
    return this.#enqueue(() => this.#call(() => this.#session.evalLine(String(line))));
  }

  /**
   * Load an extension component: a bundled name (`uuid`, `md5`, `snake`, `stats`), a URL,
   * or the bytes of a `.wasm` component. Its functions are then available to SQL.
   * @param {string | URL | ArrayBuffer | Uint8Array} source
   * @returns {Promise<object>} the extension's metadata
   */
  loadExtension(source) {
    let target;
    if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
      const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
      target = `#bytes-${nextBytesKey++}`;
      this.#pendingBytes.set(target, bytes);
    } else {
      target = String(source);
    }
    return this.#enqueue(async () => {
      try {
        return await this.#call(() => this.#session.loadExtension(target));
      } finally {
        this.#pendingBytes.delete(target);
      }
    });
  }

  /** Close the database; other databases on the page are not affected. */
  close() {
    return this.#enqueue(async () => {
      this.#closed = true;
      this.#session = null;
      this.#extensions.clear();
    }).catch(() => {});
  }

  // spi-loader.load: called by the runtime inside `.load`, suspended (JSPI) while the
  // component is fetched and transpiled.
  async #load(target) {
    try {
      const { bytes, source, grantsClock } = await this.#find(target);
      const extension = await loadExtensionComponent(bytes, { source, grantsClock });
      const info = extension.info;
      for (const other of this.#extensions.values()) {
        if (other.info.name === info.name) throw new Error(`${info.name} is already loaded`);
      }
      const handle = this.#nextHandle++;
      this.#extensions.set(handle, extension);
      extension.handle = handle;
      return extension.describe();
    } catch (error) {
      // A plain string is the `err` of spi-loader's result.
      throw `cannot load ${target.startsWith('#bytes-') ? 'the given bytes' : target}: ${error?.message ?? error}`;
    }
  }

  async #find(target) {
    if (this.#pendingBytes.has(target)) {
      return { bytes: this.#pendingBytes.get(target), source: 'bytes', grantsClock: false };
    }
    const bundled = BUNDLED_EXTENSIONS.includes(target);
    const base = globalThis.document?.baseURI ?? globalThis.location?.href;
    let url;
    try {
      url = bundled ? new URL(`./wasm/${target}.wasm`, import.meta.url) : new URL(target, base);
    } catch {
      throw new Error('not a bundled name (uuid, md5, snake, stats) nor a URL');
    }
    let response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new Error(`cannot fetch ${url}: ${error.message}`);
    }
    if (!response.ok) throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    // As natively, only the bundled uuid may read the clock (uuid7 embeds the time).
    return { bytes, source: bundled ? 'bundled' : url.href, grantsClock: bundled && target === 'uuid' };
  }

  #unload(handle) {
    if (!this.#extensions.delete(handle)) throw `no extension with handle ${handle}`;
  }

  #extension(handle) {
    const extension = this.#extensions.get(handle);
    if (!extension) throw { payload: { code: 1, message: `no extension with handle ${handle} is loaded` } };
    return extension;
  }

  // The runtime's dispatch import. Each call runs synchronously in the extension's instance;
  // an error is thrown as `{ payload }`, which jco turns into the `err` case.
  #dispatch() {
    return {
      scalarCall: (ext, id, args) => this.#extension(ext).scalarCall(id, args),
      aggregateStep: (ext, id, context, args) => this.#extension(ext).aggregateStep(id, context, args),
      aggregateValue: (ext, id, context) => this.#extension(ext).aggregateValue(id, context),
      aggregateInverse: (ext, id, context, args) => this.#extension(ext).aggregateInverse(id, context, args),
      aggregateFinalize: (ext, id, context) => this.#extension(ext).aggregateFinalize(id, context),
      collationCompare: (ext, id, a, b) => {
        const extension = this.#extensions.get(ext);
        return extension ? extension.collationCompare(id, a, b) : 0;
      },
    };
  }
}
