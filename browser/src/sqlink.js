// sqlink in the browser. Each database lives in its own worker (worker.js): the composed
// runtime, its extensions, and its OPFS file's access handles. The page talks to it by messages, so a slow
// query never blocks the page, and an extension call that never returns can be stopped by
// stopping the worker, without touching the other databases.

import { BUNDLED_EXTENSIONS, WATCH, asBytes, functionName } from './shared.js';

export { BUNDLED_EXTENSIONS };

/** How long one extension call may run before its database is stopped, by default. */
export const DEFAULT_CALL_TIMEOUT_MS = 5000;

/** After the time limit, how long an interrupted extension call has to return. */
const INTERRUPT_GRACE_MS = 200;

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

function opfsName(path) {
  if (typeof path !== 'string' || path === '' || /[\\/]/.test(path) || path === '.' || path === '..') {
    throw new TypeError(`database path must be a plain file name in the origin's private file system, got ${JSON.stringify(path)}`);
  }
  return path;
}

/**
 * Open a database. Without `path` it lives in memory; with `path` it is a database file in
 * the origin private file system (OPFS) under that name, read and written page by page with
 * its rollback journal beside it, and shared with every other page of the origin that opens
 * the same path (SQLite's locks, through Web Locks). `bytes` (a database file image) starts
 * the database from that image: in memory, or as a new file at `path`.
 * `callTimeoutMs` bounds one extension call: past it the database is stopped and closed
 * (this needs a cross-origin isolated page, for SharedArrayBuffer; elsewhere no limit).
 * @param {{ path?: string, bytes?: Uint8Array | ArrayBuffer, callTimeoutMs?: number }} [options]
 * @returns {Promise<Database>}
 */
export async function openDatabase(options = {}) {
  if (!jspiSupported()) throw new Error(JSPI_MISSING);
  const path = options.path === undefined || options.path === ':memory:' ? null : opfsName(options.path);
  const bytes = options.bytes === undefined ? null : asBytes(options.bytes);
  const db = new Database(path, options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
  await db._open(bytes);
  return db;
}

// OPFS names that are a database's companions, not databases.
const COMPANION = /-(journal|wal|shm)$/;

/**
 * The database files in this origin's private file system.
 * @returns {Promise<string[]>}
 */
export async function listDatabases() {
  const root = await navigator.storage.getDirectory();
  const names = [];
  for await (const [name, handle] of root.entries()) {
    if (handle.kind === 'file' && !COMPANION.test(name)) names.push(name);
  }
  return names.sort();
}

/**
 * Delete a database file (and its journal) from OPFS. Fails while a page has it open.
 * @param {string} path
 */
export async function deleteDatabase(path) {
  const name = opfsName(path);
  const root = await navigator.storage.getDirectory();
  for (const file of [name, `${name}-journal`]) {
    try {
      await root.removeEntry(file);
    } catch (error) {
      if (error?.name === 'NotFoundError' && file !== name) continue;
      if (error?.name === 'NotFoundError') throw new Error(`no database named ${name}`);
      throw new Error(`cannot delete ${name}: it is open in a page (${error?.message ?? error})`);
    }
  }
}

export class Database {
  #worker;
  #path;
  #pending = new Map();
  #nextId = 1;
  #closed = null;
  #watch = null;
  #timeoutMs;
  #watchdog = null;
  #extensions = new Map();

  constructor(path, timeoutMs) {
    this.#path = path;
    this.#timeoutMs = timeoutMs;
    this.#worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: `sqlink ${path ?? ':memory:'}` });
    this.#worker.onmessage = ({ data }) => this.#receive(data);
    this.#worker.onerror = (event) => this.#stop(`the database's worker failed: ${event.message}`);
    if (globalThis.crossOriginIsolated && typeof SharedArrayBuffer === 'function') {
      this.#watch = new Int32Array(new SharedArrayBuffer(WATCH.length * Int32Array.BYTES_PER_ELEMENT));
    }
  }

  /** The OPFS file name, or null for an in-memory database. */
  get path() {
    return this.#path;
  }

  /** Null while open; otherwise why the database was closed. */
  get closedReason() {
    return this.#closed;
  }

  _open(bytes) {
    const watchBuffer = this.#watch?.buffer ?? null;
    return this.#request('open', [{ path: this.#path, bytes, baseURI: globalThis.document?.baseURI ?? globalThis.location.href, watchBuffer }]).catch((error) => {
      this.#stop(error.message);
      throw error;
    });
  }

  #receive(message) {
    if (message.event === 'loaded') {
      this.#extensions.set(message.extension.handle, message.extension.info);
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (this.#pending.size === 0) this.#stopWatching();
    if ('error' in message) pending.reject(new Error(message.error));
    else pending.resolve(message.result);
  }

  #request(method, args) {
    if (this.#closed !== null) return Promise.reject(new Error(this.#closed));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, method, args });
      this.#startWatching();
    });
  }

  // While a request is out, look every 100 ms at the call the worker is in: the same call
  // running for longer than the limit means the extension does not return.
  #startWatching() {
    if (this.#watch === null || this.#watchdog !== null) return;
    let seen = -1;
    let since = 0;
    let interruptedAt = null;
    this.#watchdog = setInterval(() => {
      const watch = this.#watch;
      const calls = Atomics.load(watch, WATCH.calls);
      if (Atomics.load(watch, WATCH.busy) !== 1 || calls !== seen) {
        seen = calls;
        since = performance.now();
        interruptedAt = null;
        return;
      }
      if (performance.now() - since < this.#timeoutMs) return;
      // Past the limit, interrupt first: if the call returns, SQLite stops the statement and
      // the database stays open. Only a call that does not return ends the worker.
      if (interruptedAt === null) {
        Atomics.store(watch, WATCH.interrupt, 1);
        interruptedAt = performance.now();
        return;
      }
      if (performance.now() - interruptedAt < INTERRUPT_GRACE_MS) return;
      const info = this.#extensions.get(watch[WATCH.handle]);
      const name = info ? `${info.name}: ${functionName(info, watch[WATCH.kind], watch[WATCH.id]) ?? 'a function'}()` : 'an extension call';
      this.#stop(`${name} was stopped after ${this.#timeoutMs / 1000} s (time limit); the database was closed`);
    }, 100);
  }

  #stopWatching() {
    if (this.#watchdog !== null) clearInterval(this.#watchdog);
    this.#watchdog = null;
  }

  // End the worker; every call waiting on it rejects with `reason`.
  #stop(reason) {
    if (this.#closed !== null) return;
    this.#closed = reason;
    this.#stopWatching();
    this.#worker.terminate();
    for (const { reject } of this.#pending.values()) reject(new Error(reason));
    this.#pending.clear();
  }

  /**
   * Run every statement of `sql`. One entry per statement; rows hold typed values
   * (numbers, BigInt beyond 2^53, strings, Uint8Array, null).
   * Rejects with SQLite's message on the first failing statement.
   * @param {string} sql
   * @returns {Promise<{ columns: string[], rows: any[][] }[]>}
   */
  exec(sql) {
    return this.#request('exec', [String(sql)]);
  }

  /**
   * One line of REPL input, as the native `sqlink` shell takes it: a dot command, or SQL
   * that runs once the statement is complete.
   * @param {string} line
   * @returns {Promise<{ output: string, pending: boolean, quit: boolean }>}
   */
  evalLine(line) {
    return this.#request('evalLine', [String(line)]);
  }

  /**
   * Load an extension component: a bundled name (`uuid`, `md5`, `snake`, `stats`, `regexp`), a URL,
   * or the bytes of a `.wasm` component. Its functions are then available to SQL. A function,
   * collation or table function named like one of SQLite's own is refused, unless
   * `{ override: true }` lets the extension replace it.
   * @param {string | URL | ArrayBuffer | Uint8Array} source
   * @param {{ override?: boolean }} [options]
   * @returns {Promise<object>} the extension's metadata
   */
  loadExtension(source, options = {}) {
    const message = source instanceof URL ? source.href : ArrayBuffer.isView(source) || source instanceof ArrayBuffer ? source : String(source);
    return this.#request('loadExtension', [message, { override: options.override === true }]);
  }

  /**
   * The database as the bytes of a database file, e.g. to download a copy; `openDatabase({
   * bytes })` opens such a copy.
   * @returns {Promise<Uint8Array>}
   */
  exportBytes() {
    return this.#request('exportBytes', []);
  }

  /**
   * Interrupt the statement running now, as Ctrl-C does in the shell: its `exec` rejects
   * with "interrupted" and the database stays open. Needs a cross-origin isolated page
   * (SharedArrayBuffer); does nothing while no call runs.
   */
  interrupt() {
    if (this.#watch === null) throw new Error('interrupt() needs a cross-origin isolated page (SharedArrayBuffer)');
    if (this.#pending.size > 0) Atomics.store(this.#watch, WATCH.interrupt, 1);
  }

  /** Close the database (after the calls already made); other databases are not affected. */
  async close() {
    if (this.#closed !== null) return;
    await this.#request('close', []).catch(() => {});
    this.#stop('the database is closed');
  }
}
