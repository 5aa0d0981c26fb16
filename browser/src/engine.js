// One database, inside its own worker: the composed runtime (SQLite + the REPL, transpiled
// by jco at build time) as one instance, and the extensions it loads, transpiled with jco's
// `generate` and called synchronously from SQLite's trampolines.

import { WASIShim } from './vendor/preview2-shim/instantiation.js';
import { instantiate as instantiateRuntime } from './runtime/sqlink-runtime.js';
import { captureOutput, loadExtensionComponent } from './extensions.js';
import { checkConflicts, compareUnloaded } from './rules.js';
import { CoreMemory, errorPayload, leb, writeErr } from './crossing.js';
import { RuntimeSql } from './sql.js';
import { BUNDLED_EXTENSIONS, GRANTED_CLOCK, WATCH, asBytes } from './shared.js';
import { FileLock, closeFiles, importFile, opfsFilesystem, sharedMemory } from './opfs.js';
import { BUNDLED_URLS, RUNTIME_MODULES } from './assets.js';

// Compiled core modules, fetched and compiled once per worker.
const runtimeModules = new Map();
function runtimeModule(name) {
  if (!runtimeModules.has(name)) {
    const url = RUNTIME_MODULES[name];
    if (url === undefined) return Promise.reject(new Error(`the runtime asks for ${name}, which this build does not have`));
    runtimeModules.set(name, WebAssembly.compileStreaming(fetch(url)));
  }
  return runtimeModules.get(name);
}

/** Whether `f` is a core wasm function (an export of another core instance), not JS. */
function isWasmFunction(f) {
  return /^function \d+\(\) \{ \[native code\] \}$/.test(Function.prototype.toString.call(f));
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

let nextBytesKey = 1;

/**
 * The database a worker holds. Its methods run one at a time (the worker's message queue
 * and `#enqueue`), never re-entering the runtime while a call is suspended.
 */
export class Session {
  #session = null;
  #queue = Promise.resolve();
  #closed = false;
  #path;
  #bytes;
  #extensions = new Map();
  #pendingBytes = new Map();
  #nextHandle = 1;
  #baseURI;
  #watch;
  #onLoad;
  // The memory of the runtime's core instance that imports dispatch (crossing.js).
  #runtimeMemory = null;
  // The runtime's SQL for extensions that import `connection` (sql.js); null when it has none.
  #sql = null;

  /**
   * @param {string | null} path OPFS file name, or null in memory
   * @param {{ bytes: Uint8Array | null, baseURI: string, watch: Int32Array | null, onLoad: (ext: object) => void }} options
   *   `bytes`: a database file image to start from (in memory, or as the new file at `path`)
   *   `watch` is shared with the page, which stops the worker when one extension call runs
   *   past the time limit; `onLoad` tells the page each extension's function names.
   */
  constructor(path, { bytes, baseURI, watch, onLoad }) {
    this.#path = path;
    this.#bytes = bytes ?? null;
    this.#baseURI = baseURI;
    this.#watch = watch;
    this.#onLoad = onLoad;
  }

  async start() {
    // The session returns the REPL's text; what the runtime writes to stdio is not shown.
    // A database with a path is a file in OPFS, OPFS's root preopened at `/`; an
    // in-memory one gets no files at all.
    const stdio = { stdout: captureOutput({ text: '' }), stderr: captureOutput({ text: '' }) };
    const sandbox = { env: {}, args: ['sqlink'], enableNetwork: false };
    const shim =
      this.#path === null
        ? new WASIShim({ ...stdio, sandbox: { ...sandbox, preopens: {} } })
        : new WASIShim({ ...stdio, sandbox, filesystem: opfsFilesystem(await navigator.storage.getDirectory()) });
    const imports = {
      ...shim.getImportObject(),
      'sqlink:wasm/spi-loader': {
        load: (nameOrPath) => this.#load(nameOrPath),
        unload: (handle) => this.#unload(handle),
        list: () => [...this.#extensions.values()].map((ext) => ext.describe()),
      },
      'sqlink:wasm/dispatch': this.#dispatch(),
      'sqlink:wasm/file-locks': { FileLock },
      'sqlink:wasm/shared-memory': sharedMemory,
      'sqlink:wasm/interrupt': this.#interrupt(),
      // A page cannot read its CPU time: `.timer on` shows the elapsed time only.
      'sqlink:wasm/cpu-time': { processTimes: () => undefined },
      // A page runs no processes: `.import '|CMD'` and `.output '|CMD'` are refused.
      'sqlink:wasm/process': {
        readOutput: () => { throw 'a page cannot run commands'; },
        writeInput: () => { throw 'a page cannot run commands'; },
      },
    };
    const runtime = await instantiateRuntime(runtimeModule, imports, (module, moduleImports) => this.#instantiateCore(module, moduleImports));
    if (this.#runtimeMemory === null) throw new Error('the runtime has no sqlink:wasm/dispatch import: it does not match this page');
    this.#session = runtime.session;
    if (this.#path !== null) {
      if (this.#bytes !== null) await importFile(this.#path, this.#bytes);
      await this.#call(() => this.#session.open(`/${this.#path}`));
    } else if (this.#bytes !== null) {
      await this.#call(() => this.#session.deserialize(this.#bytes));
    }
    this.#bytes = null;
  }

  // One call at a time per session: an export must not be entered while another is
  // suspended (waiting for an extension to load).
  #enqueue(operation) {
    const run = this.#queue.then(async () => {
      if (this.#closed) throw new Error('the database is closed');
      // An interrupt asked for between calls is for no statement.
      if (this.#watch !== null) Atomics.store(this.#watch, WATCH.interrupt, 0);
      return operation();
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
   * Load an extension component: a bundled name (`uuid`, `md5`, `snake`, `stats`, `regexp`), a URL,
   * or the bytes of a `.wasm` component. Its functions are then available to SQL.
   * @param {string | URL | ArrayBuffer | Uint8Array} source
   * @param {{ override?: boolean }} [options] `override`: it may replace SQLite's own functions
   * @returns {Promise<object>} the extension's metadata
   */
  loadExtension(source, options = {}) {
    let target;
    if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
      const bytes = asBytes(source);
      target = `#bytes-${nextBytesKey++}`;
      this.#pendingBytes.set(target, bytes);
    } else {
      target = String(source);
    }
    return this.#enqueue(async () => {
      try {
        return await this.#call(() => this.#session.loadExtension(target, options.override === true));
      } catch (error) {
        // The REPL names what it loads; bytes have only this worker's key.
        if (this.#pendingBytes.has(target)) error.message = error.message.replace(`cannot load ${target}:`, 'cannot load the given bytes:');
        throw error;
      } finally {
        this.#pendingBytes.delete(target);
      }
    });
  }

  /**
   * The database as the bytes of a database file (a consistent snapshot).
   * @returns {Promise<Uint8Array>}
   */
  exportBytes() {
    return this.#enqueue(() => this.#call(() => this.#session.serialize()));
  }

  /** Close the database; other databases on the page are not affected. */
  close() {
    return this.#enqueue(async () => {
      this.#closed = true;
      // Let go of the file and its locks now; the page then ends this worker.
      this.#session = null;
      await closeFiles();
      this.#extensions.clear();
    }).catch(() => {});
  }

  // spi-loader.load: called by the runtime inside `.load`, suspended (JSPI) while the
  // component is fetched and transpiled.
  async #load(target) {
    try {
      const { bytes, source, grantsClock } = await this.#find(target);
      const extension = await loadExtensionComponent(bytes, { source, grantsClock, sql: this.#sql });
      checkConflicts(extension.info, [...this.#extensions.values()].map((other) => other.info));
      const handle = this.#nextHandle++;
      this.#extensions.set(handle, extension);
      extension.handle = handle;
      this.#onLoad(extension.describe());
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
    let url;
    try {
      url = bundled ? BUNDLED_URLS[target] : new URL(target, this.#baseURI);
    } catch {
      throw new Error(`not a bundled name (${BUNDLED_EXTENSIONS.join(', ')}) nor a URL`);
    }
    let response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new Error(`cannot fetch ${url}: ${error.message}`);
    }
    if (!response.ok) throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { bytes, source: bundled ? 'bundled' : url.href, grantsClock: bundled && GRANTED_CLOCK.includes(target) };
  }

  #unload(handle) {
    if (!this.#extensions.delete(handle)) throw `no extension with handle ${handle}`;
  }

  // Run one extension call, telling the page which call is running (see WATCH). A call of an
  // extension that imports `connection` is framed for its SQL (sql.js): `mayRunSql` calls
  // return a promise, which the caller's import waits for (JSPI); the others may run none.
  #watched(handle, kind, id, call, mayRunSql = false) {
    const extension = this.#extensions.get(handle);
    if (!extension) throw { payload: { code: 1, message: `no extension with handle ${handle} is loaded` } };
    // Only SQL an extension runs can call an extension while one is running.
    if (this.#sql?.busy) {
      throw { payload: { code: 1, message: "an extension's SQL cannot call extension functions (one extension call runs at a time)" } };
    }
    let run = () => call(extension);
    if (extension.usesSql) {
      const sql = this.#sql;
      run = mayRunSql ? () => sql.framed(handle, async () => call(extension)) : () => sql.unframed(() => call(extension));
    }
    const watch = this.#watch;
    if (watch === null) return run();
    enterCall(watch, handle, kind, id);
    const done = () => {
      watch[WATCH.busy] = 0;
    };
    let result;
    try {
      result = run();
    } catch (error) {
      done();
      throw error;
    }
    if (result instanceof Promise) return result.finally(done);
    done();
    return result;
  }

  // Whether extension `ext`'s calls may run SQL (and so wait).
  #runsSql(ext) {
    return this.#extensions.get(ext)?.usesSql === true;
  }

  // The runtime's interrupt import: the page sets WATCH.interrupt (db.interrupt()).
  #interrupt() {
    const watch = this.#watch;
    return {
      pending: () => watch !== null && Atomics.load(watch, WATCH.interrupt) !== 0,
      take: () => watch !== null && Atomics.exchange(watch, WATCH.interrupt, 0) !== 0,
    };
  }

  // Instantiate one of the runtime's core modules. The one importing sqlink:wasm/dispatch
  // gets the per-row calls as core functions over its own memory instead of jco's glue.
  async #instantiateCore(module, moduleImports) {
    // In a runtime from `sqlink compose --host`, SQLite's module imports dispatch from the
    // router inside the composition (wasm functions); only the router's comes from here.
    const fromPage = (imports) => Object.values(imports).some((f) => typeof f === 'function' && !isWasmFunction(f));
    const name = Object.keys(moduleImports ?? {}).find((key) => key.startsWith('sqlink:wasm/dispatch@') && fromPage(moduleImports[key]));
    if (name === undefined) return WebAssembly.instantiate(module, moduleImports);
    Object.assign(moduleImports[name], this.#coreDispatch());
    const instance = await WebAssembly.instantiate(module, moduleImports);
    this.#runtimeMemory = new CoreMemory(instance.exports.memory, instance.exports.cabi_realloc);
    this.#sql = RuntimeSql.of(instance.exports, this.#runtimeMemory);
    return instance;
  }

  // The per-row dispatch calls at the core level (signatures by the canonical ABI: the
  // arguments' list and the result are in the runtime's memory). Each runs synchronously in
  // the extension's instance; an error becomes the result's `err`.
  #coreDispatch() {
    const { scalar, aggregate, collation } = WATCH.kinds;
    // The result of the call written at `ret`, or its error; a promise for an extension whose
    // calls may run SQL (the runtime then waits through `slow`, below).
    const result = (shape, ret, handle, kind, id, call) => {
      const memory = this.#runtimeMemory;
      const failed = (error) => writeErr(memory, ret >>> 0, shape, errorPayload(error));
      try {
        const done = this.#watched(handle >>> 0, kind, id >>> 0, (extension) => call(extension, memory), true);
        if (done instanceof Promise) return done.catch(failed);
      } catch (error) {
        failed(error);
      }
      return undefined;
    };
    // Each call is tried synchronously first (`fast`, answering 1 when done); an extension
    // whose calls may run SQL answers 0 there and is called through `slow`, an import that
    // suspends the runtime (JSPI) until its promise settles. The fast path costs a plain import
    // call; a suspending import costs over 100 ns even when it does not suspend.
    const calls = {
      'scalar-call': [['i32', 'i32', 'i32', 'i32', 'i32'], (ext, id, args, count, ret) =>
        result('value', ret, ext, scalar, id, (e, m) => e.scalarCallAt(id >>> 0, m, args >>> 0, count >>> 0, ret >>> 0))],
      'aggregate-step': [['i32', 'i32', 'i64', 'i32', 'i32', 'i32'], (ext, id, context, args, count, ret) =>
        result('unit', ret, ext, aggregate, id, (e, m) => e.aggregateStepAt(id >>> 0, context, m, args >>> 0, count >>> 0, ret >>> 0))],
      'aggregate-inverse': [['i32', 'i32', 'i64', 'i32', 'i32', 'i32'], (ext, id, context, args, count, ret) =>
        result('unit', ret, ext, aggregate, id, (e, m) => e.aggregateStepAt(id >>> 0, context, m, args >>> 0, count >>> 0, ret >>> 0, true))],
      'aggregate-value': [['i32', 'i32', 'i64', 'i32'], (ext, id, context, ret) =>
        result('value', ret, ext, aggregate, id, (e, m) => e.aggregateValueAt(id >>> 0, context, m, ret >>> 0))],
      'aggregate-finalize': [['i32', 'i32', 'i64', 'i32'], (ext, id, context, ret) =>
        result('value', ret, ext, aggregate, id, (e, m) => e.aggregateValueAt(id >>> 0, context, m, ret >>> 0, true))],
    };
    const imports = {};
    for (const [name, [params, call]] of Object.entries(calls)) {
      // Six parameters at most; fixed ones keep the per-row path free of rest arrays.
      const fast = (ext, a, b, c, d, e) => {
        if (this.#runsSql(ext >>> 0)) return 0;
        call(ext, a, b, c, d, e);
        return 1;
      };
      imports[name] = conditionalSuspending(params, fast, call);
    }
    // A scalar call, the commonest per-row call, without a closure or an allocation on the
    // way (they were a tenth of a `noop()` row, with the collector): the extension is looked
    // up once, and anything but a plain call of a loaded extension takes the path above.
    const scalarCall = calls['scalar-call'][1];
    const scalarFast = (ext, id, args, count, ret) => {
      const extension = this.#extensions.get(ext >>> 0);
      if (extension === undefined || extension.usesSql || this.#sql?.busy) {
        if (extension?.usesSql) return 0;
        scalarCall(ext, id, args, count, ret);
        return 1;
      }
      const memory = this.#runtimeMemory;
      const watch = this.#watch;
      if (watch !== null) enterCall(watch, ext >>> 0, scalar, id >>> 0);
      try {
        extension.scalarCallAt(id >>> 0, memory, args >>> 0, count >>> 0, ret >>> 0);
      } catch (error) {
        writeErr(memory, ret >>> 0, 'value', errorPayload(error));
      } finally {
        if (watch !== null) watch[WATCH.busy] = 0;
      }
      return 1;
    };
    imports['scalar-call'] = conditionalSuspending(calls['scalar-call'][0], scalarFast, scalarCall);
    return {
      ...imports,
      'collation-compare': (ext, id, a, aLength, b, bLength) => {
        const memory = this.#runtimeMemory;
        // Gone meanwhile: as SQLite's BINARY, as in every host.
        if (!this.#extensions.has(ext >>> 0)) return compareUnloaded(memory.bytes.subarray(a >>> 0, (a >>> 0) + (aLength >>> 0)), memory.bytes.subarray(b >>> 0, (b >>> 0) + (bLength >>> 0)));
        return this.#watched(ext >>> 0, collation, id >>> 0, (e) => e.collationCompareAt(id >>> 0, memory, a >>> 0, aLength >>> 0, b >>> 0, bLength >>> 0));
      },
    };
  }

  // The runtime's dispatch import as jco binds it: table functions cross here, a page of
  // rows at a time; the per-row calls are reached as core functions (#coreDispatch), so
  // jco's names for them, which it requires, are never called.
  #dispatch() {
    const { table, module, dynamic } = WATCH.kinds;
    // A cursor's calls are watched under its function's id, which names it at the time limit;
    // a virtual table's and its scans' under their module's.
    const cursorFunction = (ext, cursor) => this.#extensions.get(ext)?.cursorFunction(cursor) ?? -1;
    // The calls that may run SQL are async imports (build.mjs): they return a promise for an
    // extension that imports `connection`. Closing and disconnecting run none.
    const vtab = (ext, handle, call, mayRunSql = true) =>
      this.#watched(ext, module, this.#extensions.get(ext)?.moduleOf(handle) ?? -1, call, mayRunSql);
    // Calls that cannot fail, on what an unloaded extension left: nothing to do.
    const ending = (ext, handle, call) => {
      if (this.#extensions.has(ext)) vtab(ext, handle, call, false);
    };
    const replaced = () => {
      throw { payload: { code: 1, message: 'internal error: a per-row call reached jco\'s glue' } };
    };
    return {
      scalarCall: replaced,
      aggregateStep: replaced,
      aggregateValue: replaced,
      aggregateInverse: replaced,
      aggregateFinalize: replaced,
      collationCompare: replaced,
      // The cursors the runtime holds are LoadedExtension's own ids, not the instance's.
      tableOpen: (ext, id, args) => this.#watched(ext, table, id, (e) => e.tableOpen(id, args), true),
      tableNext: (ext, cursor, maxRows) =>
        this.#watched(ext, table, cursorFunction(ext, cursor), (e) => e.tableNext(cursor, maxRows), true),
      tableClose: (ext, cursor) => {
        if (!this.#extensions.has(ext)) return;
        this.#watched(ext, table, cursorFunction(ext, cursor), (e) => e.tableClose(cursor));
      },
      // Virtual tables: the runtime holds LoadedExtension's ids for tables and scans.
      vtabConnect: (ext, id, args, create) => this.#watched(ext, module, id, (e) => e.vtabConnect(id, args, create), true),
      vtabBestIndex: (ext, t, info) => vtab(ext, t, (e) => e.vtabBestIndex(t, info)),
      vtabOpen: (ext, t) => vtab(ext, t, (e) => e.vtabOpen(t)),
      vtabFilter: (ext, scan, { indexNumber, indexString, args, maxRows }) =>
        vtab(ext, scan, (e) => e.vtabFilter(scan, indexNumber, indexString, args, maxRows)),
      vtabNext: (ext, scan, maxRows) => vtab(ext, scan, (e) => e.vtabNext(scan, maxRows)),
      vtabClose: (ext, scan) => ending(ext, scan, (e) => e.vtabClose(scan)),
      vtabUpdate: (ext, t, change) => vtab(ext, t, (e) => e.vtabUpdate(t, change)),
      vtabTransaction: (ext, t, event) => vtab(ext, t, (e) => e.vtabTransaction(t, event)),
      vtabRename: (ext, t, name) => vtab(ext, t, (e) => e.vtabRename(t, name)),
      vtabDisconnect: (ext, t) => ending(ext, t, (e) => e.vtabDisconnect(t)),
      vtabDestroy: (ext, t) => vtab(ext, t, (e) => e.vtabDestroy(t)),
      // The page does not deliver the connection's events to extensions yet (README).
      hookCommit: () => false,
      hookRollback: () => {},
      hookUpdate: () => {},
      // A function an extension defined at run time (sql.js's createFunction); an async import
      // (build.mjs): its body may run SQL.
      dynamicCall: (ext, id, args) => this.#watched(ext, dynamic, id, (e) => e.dynamicCall(id, args), true),
      // The page runs an extension's SQL by calling back into the runtime (sql.js): no call
      // of its ever answers that it waits for a request.
      resume: () => undefined,
    };
  }
}

// Mark an extension call as running in the watch buffer (see WATCH). Plain writes, not
// `Atomics`: only this worker writes these slots, and the page's watchdog, which looks every
// 100 ms for one call running for seconds, needs to see them eventually, not in order; a
// stale read there only restarts its count. (Atomics' fences cost a tenth of a `noop()` row.)
function enterCall(watch, handle, kind, id) {
  watch[WATCH.handle] = handle;
  watch[WATCH.kind] = kind;
  watch[WATCH.id] = id;
  watch[WATCH.calls]++;
  watch[WATCH.busy] = 1;
}

// A wasm function taking `params` (core types, 'i32' or 'i64') that calls `fast` with them
// and, when it answers 0, `slow` (a suspending import: JSPI waits for the promise it returns).
// One small module per signature, compiled once.
const conditionalModules = new Map();
function conditionalSuspending(params, fast, slow) {
  const key = params.join(',');
  if (!conditionalModules.has(key)) {
    const TYPE = { i32: 0x7f, i64: 0x7e };
    const vector = (items) => [items.length, ...items.flat()];
    const section = (id, body) => [id, ...leb(body.length), ...body];
    const name = (text) => vector([...new TextEncoder().encode(text)]);
    const types = params.map((type) => TYPE[type]);
    const gets = params.flatMap((_, i) => [0x20, i]);
    const body = [0x00, ...gets, 0x10, 0, 0x45, 0x04, 0x40, ...gets, 0x10, 1, 0x0b, 0x0b];
    const bytes = [
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      // (params) -> i32 for `fast`, (params) -> () for `slow` and `run`
      ...section(1, vector([[0x60, ...vector(types), 1, 0x7f], [0x60, ...vector(types), 0]])),
      ...section(2, vector([[...name(''), ...name('fast'), 0x00, 0], [...name(''), ...name('slow'), 0x00, 1]])),
      ...section(3, vector([[1]])),
      ...section(7, vector([[...name('run'), 0x00, 2]])),
      ...section(10, vector([[...leb(body.length), ...body]])),
    ];
    conditionalModules.set(key, new WebAssembly.Module(new Uint8Array(bytes)));
  }
  const instance = new WebAssembly.Instance(conditionalModules.get(key), { '': { fast, slow: new WebAssembly.Suspending(slow) } });
  return instance.exports.run;
}
