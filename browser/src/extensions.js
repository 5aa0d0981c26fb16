// Extension components in the page: transpiled with jco's in-browser `generate`, given a
// sandboxed WASI (no files, no environment, the network denied when used, the real time only
// when granted; a failing call that asked for files or the environment says so), and
// called synchronously from the runtime's dispatch import.

import { generate, $init } from './vendor/jco/js-component-bindgen-component.js';
import { WASIShim } from './vendor/preview2-shim/instantiation.js';
import { clocks } from './vendor/preview2-shim/index.js';
import { copyResult, copyValues, extensionCore, readValues, scalarAdapter, writeOk } from './crossing.js';
import { checkExports, checkMetadata, contractInterfaces, contractVersion, panicMessage, withheldNote } from './rules.js';
import { WAITING_IMPORTS } from './sql.js';

// The contract's interfaces as a component built against `version` names them. Every released
// version is called the same way: between them the metadata's record differs (0.1.0 has no
// table functions, 0.2.0 no modules and hooks, which jco's lifted object then lacks), later
// versions add interfaces, and the values' layout is the same.
const contractInterface = (version) => (iface) => `sqlite:extension/${iface}@${version}`;
const SQLITE_ERROR = 1;

function firstLine(error) {
  const text = String(error?.message ?? error).trim();
  return text.split('\n')[0];
}

function refusedClock(what) {
  return () => {
    throw new Error(`extensions may not ${what}`);
  };
}

// Without the grant the clocks read a fixed time, the Unix epoch, as natively: language
// runtimes that read the clock at start still start, and nothing about the time leaks.
const EPOCH = { seconds: 0n, nanoseconds: 0 };

function sandboxedClocks(grantsClock) {
  const wait = refusedClock('sleep or wait on a clock');
  return {
    monotonicClock: {
      now: grantsClock ? clocks.monotonicClock.now : () => 0n,
      resolution: grantsClock ? clocks.monotonicClock.resolution : () => 1_000_000_000n,
      subscribeInstant: wait,
      subscribeDuration: wait,
    },
    wallClock: {
      now: grantsClock ? clocks.wallClock.now : () => EPOCH,
      resolution: grantsClock ? clocks.wallClock.resolution : () => ({ seconds: 1n, nanoseconds: 0 }),
    },
  };
}

// The network is denied when used, not by refusing the import (every CPython component
// imports sockets, whatever it does): the functions that would reach it trap with what was
// tried, as natively.
function noNetwork(what) {
  return () => {
    throw new Error(`it tried the network (${what}): extensions get no network access, and no flag grants it`);
  };
}

function deniedNetwork(imports) {
  return {
    'wasi:sockets/tcp-create-socket': { createTcpSocket: noNetwork('wasi:sockets/tcp-create-socket#create-tcp-socket') },
    'wasi:sockets/udp-create-socket': { createUdpSocket: noNetwork('wasi:sockets/udp-create-socket#create-udp-socket') },
    'wasi:sockets/ip-name-lookup': {
      ...imports['wasi:sockets/ip-name-lookup'],
      resolveAddresses: noNetwork('wasi:sockets/ip-name-lookup#resolve-addresses'),
    },
    'wasi:http/outgoing-handler': { handle: noNetwork('wasi:http/outgoing-handler#handle') },
  };
}

/** A WASI output stream handler that keeps the last 16 KiB written in `sink.text`, off the console. */
export function captureOutput(sink) {
  const decoder = new TextDecoder();
  return {
    write(bytes) {
      sink.text = (sink.text + decoder.decode(bytes, { stream: true })).slice(-16384);
    },
    blockingFlush() {},
    flush() {},
  };
}

/**
 * Transpile, check and instantiate an extension component.
 * @param {Uint8Array} bytes the `.wasm` component
 * @param {{ source: string, grantsClock: boolean, direct?: boolean, sql?: import('./sql.js').RuntimeSql | null }} options
 *   `direct: false` sends every call through jco's glue, the reference the direct crossing
 *   (crossing.js) is tested against; `sql`: the runtime's SQL for an extension that imports
 *   `sqlite:extension/connection`
 */
export async function loadExtensionComponent(bytes, { source, grantsClock, direct = true, sql = null }) {
  await $init;
  let transpiled;
  try {
    transpiled = generate(bytes, { name: 'extension', instantiation: { tag: 'sync' }, noTypescript: true });
  } catch (error) {
    throw new Error(`not a WebAssembly component (${firstLine(error)})`);
  }
  const exportNames = transpiled.exports.map(([name]) => name);
  const version = contractVersion(exportNames);
  const usesSql = sql !== null && transpiled.imports.some((name) => name.startsWith('sqlite:extension/connection'));
  const foreign = transpiled.imports.filter(
    (name) => !name.startsWith('wasi:') && !name.startsWith('sqlite:extension/types') && !(usesSql && name.startsWith('sqlite:extension/connection')),
  );
  if (foreign.length > 0) throw new Error(`it imports ${foreign.join(', ')}, which sqlink does not provide`);
  if (usesSql) {
    // Its SQL may wait (OPFS, Web Locks): its `connection` imports suspend it, and so its
    // calls that may run SQL are made through JSPI (sql.js); every call goes through jco's glue.
    const asyncMode = { tag: 'jspi', val: { imports: WAITING_IMPORTS, exports: SQL_EXPORTS } };
    transpiled = generate(bytes, { name: 'extension', instantiation: { tag: 'sync' }, noTypescript: true, asyncMode });
    direct = false;
  }
  const exported = new Set(exportNames);
  const named = contractInterface(version);
  const interfaces = {
    metadata: named('metadata'),
    scalars: named('scalar-function'),
    aggregates: named('aggregate-function'),
    collation: named('collation'),
    tables: named('table-function'),
    modules: named('virtual-table'),
    dynamic: named('dynamic-function'),
  };
  if (!exported.has(interfaces.scalars)) throw new Error('not a sqlite extension: it does not export sqlite:extension/scalar-function');
  const contract = { version, exports: contractInterfaces(exportNames, version) };

  const files = new Map(transpiled.files);
  const jsName = [...files.keys()].find((name) => name.endsWith('.js'));
  const modules = new Map();
  await Promise.all(
    [...files.keys()]
      .filter((name) => name.endsWith('.wasm'))
      .map(async (name) => modules.set(name, await WebAssembly.compile(files.get(name)))),
  );
  const url = URL.createObjectURL(new Blob([files.get(jsName)], { type: 'text/javascript' }));
  let bindings;
  try {
    // The browser's own import of a blob: URL; bundlers are told to leave it alone.
    bindings = await import(/* @vite-ignore */ /* webpackIgnore: true */ url);
  } finally {
    URL.revokeObjectURL(url);
  }

  const stderr = { text: '' };
  const shim = new WASIShim({
    stdout: captureOutput({ text: '' }),
    stderr: captureOutput(stderr),
    clocks: sandboxedClocks(grantsClock),
    sandbox: { preopens: {}, env: {}, args: ['extension'], enableNetwork: false },
  });
  const imports = shim.getImportObject();
  Object.assign(imports, deniedNetwork(imports));
  // The names of the functions it defines at run time, by id (for messages).
  const defined = new Map();
  if (usesSql) imports['sqlite:extension/connection'] = sql.connection(defined);
  // No directory and no environment in the page; a call that asked for them and failed
  // says so, as natively.
  const withheld = { files: false, environment: false };
  imports['wasi:filesystem/preopens'] = {
    getDirectories: () => {
      withheld.files = true;
      return [];
    },
  };
  imports['wasi:cli/environment'] = {
    ...imports['wasi:cli/environment'],
    getEnvironment: () => {
      withheld.environment = true;
      return [];
    },
  };
  // jco's instance, and the core functions per-row calls reach directly (crossing.js).
  const instantiate = () => {
    const cores = [];
    const exports = bindings.instantiate((name) => modules.get(name), imports, (module, moduleImports) => {
      const core = new WebAssembly.Instance(module, moduleImports);
      cores.push(core);
      return core;
    });
    return { exports, core: direct ? extensionCore(cores, version) : null };
  };

  let instance;
  try {
    instance = instantiate();
  } catch (error) {
    throw new Error(`cannot instantiate it: ${firstLine(error)}`);
  }
  let info;
  try {
    info = instance.exports[interfaces.metadata].describe();
  } catch (error) {
    throw new Error(`its metadata call failed: ${panicMessage(stderr.text) ?? firstLine(error)}`);
  }
  // 0.1.0 as first published has no table functions, and 0.2.0 no modules and hooks, and so no
  // such fields.
  info.tableFunctions ??= [];
  info.modules ??= [];
  info.hooks ??= { commit: false, rollback: false, update: false };
  checkMetadata(info);
  checkExports(info, (iface) => exported.has(`${iface}@${version}`));
  const extension = new LoadedExtension(info, source, contract, interfaces, instance, instantiate, stderr, withheld, defined);
  extension.usesSql = usesSql;
  return extension;
}

// The exports whose calls may run SQL, made through JSPI for an extension that imports
// `connection` (the others, a collation's comparison and the calls that close, run none).
const SQL_EXPORTS = [
  'sqlite:extension/scalar-function#call',
  ...['step', 'inverse', 'value', 'finalize'].map((name) => `sqlite:extension/aggregate-function#${name}`),
  ...['open', 'next'].map((name) => `sqlite:extension/table-function#${name}`),
  'sqlite:extension/dynamic-function#call',
  ...['create', 'connect', 'best-index', 'open', 'filter', 'next', 'update', 'transaction', 'rename', 'destroy'].map(
    (name) => `sqlite:extension/virtual-table#${name}`,
  ),
];

// `f` of `result`, after it when it is a promise (a call of an extension that may run SQL).
const then = (result, f) => (result instanceof Promise ? result.then(f) : f(result));

// A direct call's result at `at` in the extension's memory, copied into the runtime's memory
// `from` at `ret`; then the extension frees it (its post-return), also when the copy fails.
function releasedResult(core, entry, at, from, ret, shape) {
  try {
    copyResult(core.memory, at, from, ret, shape);
  } finally {
    entry.post?.(at);
  }
}

class LoadedExtension {
  // The contract's interface names at the component's version: { metadata, scalars, aggregates, collation, tables, modules }.
  #interfaces;
  #instance;
  #instantiate;
  #stderr;
  // What the running call asked for that the page withholds: { files, environment }.
  #withheld;
  #names = new Map();
  // Counts instantiations: a table-function cursor belongs to the instance that opened it.
  #generation = 1;
  // Open table-function cursors by the id the runtime holds: { id, generation, guest }, the
  // function, the instance, and the cursor's id in that instance.
  #cursors = new Map();
  // Virtual tables and their scans, the same: { id, generation, guest } with `id` the module's.
  #tables = new Map();
  #scans = new Map();
  #nextCursor = 1n;
  // The functions it defined at run time: name by id.
  #defined;

  constructor(info, source, contract, interfaces, instance, instantiate, stderr, withheld, defined = new Map()) {
    this.info = info;
    this.source = source;
    // The version of sqlite:extension it was built against, and the interfaces it exports.
    this.contract = contract;
    this.handle = 0;
    // It imports `connection`: its calls may run SQL, and those return promises.
    this.usesSql = false;
    this.#interfaces = interfaces;
    this.#instance = instance;
    this.#instantiate = instantiate;
    this.#stderr = stderr;
    this.#withheld = withheld;
    this.#defined = defined;
    // Scalars, aggregates, collations and table functions each number their ids from 0.
    for (const f of info.scalars) this.#names.set(`s${f.id}`, f.name);
    for (const f of info.aggregates) this.#names.set(`a${f.id}`, f.name);
    for (const c of info.collations) this.#names.set(`c${c.id}`, c.name);
    for (const t of info.tableFunctions) this.#names.set(`t${t.id}`, t.name);
    for (const m of info.modules) this.#names.set(`m${m.id}`, m.name);
  }

  describe() {
    return { handle: this.handle, source: this.source, info: this.info, contract: this.contract };
  }

  // Run one call. The extension's own `err` passes through; a trap (panic, stack overflow,
  // memory) becomes a SQL error naming the function, and the instance, which wasm leaves
  // in an unknown state, is replaced on the next call. `call` gets jco's bindings of
  // `interfaceName` and the instance's core functions (null when it has none).
  #call(key, interfaceName, call) {
    this.#forgetWithheld();
    try {
      if (this.#instance === null) {
        this.#instance = this.#instantiate();
        this.#generation++;
      }
      const result = call(this.#instance.exports[interfaceName], this.#instance.core);
      return result instanceof Promise ? result.catch((error) => this.#failed(key, error)) : result;
    } catch (error) {
      this.#failed(key, error);
    }
  }

  // A call failed: the extension's own `err` passes through; a trap replaces the instance.
  #failed(key, error) {
    if (error && Object.prototype.hasOwnProperty.call(error, 'payload')) {
      const { code, message } = error.payload;
      throw { payload: { code, message: this.#noted(message, true) } };
    }
    this.#instance = null;
    const name = this.#shown(key);
    const panic = panicMessage(this.#stderr.text);
    this.#stderr.text = '';
    const message = panic ? `${name} panicked: ${panic}` : `${name} failed: ${firstLine(error)}`;
    // Rust's panic handler reads RUST_BACKTRACE: reading the environment does not explain a trap.
    throw { payload: { code: SQLITE_ERROR, message: this.#noted(message, false) } };
  }

  // A failure's message, with what the call asked for and was withheld.
  #noted(message, environment) {
    const note = withheldNote({ files: this.#withheld.files, environment: environment && this.#withheld.environment }, null);
    return note === null ? message : `${message} (${note})`;
  }

  // A function as messages name it: "md5: md5()".
  #shown(key) {
    const name = key.startsWith('d') ? this.#defined.get(Number(key.slice(1))) : this.#names.get(key);
    return `${this.info.name}: ${name ?? key}()`;
  }

  // One per-row call with its arguments and result in the runtime's memory `from`: straight
  // into the core function when the instance has it (copying memory to memory), else
  // through jco's glue (`viaBindings`, on JS values). An `err` is thrown as { payload }.
  #crossing(key, interfaceName, name, shape, from, ret, direct, viaBindings) {
    return this.#call(key, interfaceName, (bindings, core) => {
      const entry = core?.[name];
      if (!entry) return then(viaBindings(bindings), (value) => writeOk(from, ret, shape, value));
      releasedResult(core, entry, direct(entry.fn, core.memory) >>> 0, from, ret, shape);
    });
  }

  // Only what the call about to run asks for explains its failure.
  #forgetWithheld() {
    this.#withheld.files = false;
    this.#withheld.environment = false;
  }

  /** scalar-call: the `list<value>` at (args, count) in `from`; the result written at `ret`. */
  scalarCallAt(id, from, args, count, ret) {
    // The per-row path, as #crossing's direct one but with no closure made per call, and
    // in wasm (scalarAdapter) unless the result needs JS: an `err`, non-ASCII text.
    const core = this.#instance?.core;
    const entry = core?.call;
    if (entry) {
      this.#forgetWithheld();
      try {
        if (core.adapterFrom !== from) {
          core.adapter = scalarAdapter(from, core, entry);
          core.adapterFrom = from;
        }
        const adapter = core.adapter;
        let at;
        if (adapter === null) {
          at = entry.fn(id, copyValues(from, args, count, core.memory), count) >>> 0;
        } else {
          if (adapter.run(id, args, count, ret) === 0) return undefined;
          at = adapter.at.value >>> 0;
        }
        releasedResult(core, entry, at, from, ret, 'value');
      } catch (error) {
        this.#failed(`s${id}`, error);
      }
      return undefined;
    }
    return this.#crossing(`s${id}`, this.#interfaces.scalars, 'call', 'value', from, ret,
      (call, to) => call(id, copyValues(from, args, count, to), count),
      (f) => f.call(id, readValues(from, args, count)));
  }

  /** aggregate-step, or aggregate-inverse when `inverse`, laid out as scalarCallAt. */
  aggregateStepAt(id, context, from, args, count, ret, inverse = false) {
    const name = inverse ? 'inverse' : 'step';
    return this.#crossing(`a${id}`, this.#interfaces.aggregates, name, 'unit', from, ret,
      (step, to) => step(id, context, copyValues(from, args, count, to), count),
      (f) => f[name](id, BigInt.asUintN(64, context), readValues(from, args, count)));
  }

  /** aggregate-value, or aggregate-finalize when `final`, the result written at `ret` in `from`. */
  aggregateValueAt(id, context, from, ret, final = false) {
    const name = final ? 'finalize' : 'value';
    return this.#crossing(`a${id}`, this.#interfaces.aggregates, name, 'value', from, ret,
      (value) => value(id, context),
      (f) => f[name](id, BigInt.asUintN(64, context)));
  }

  /** collation-compare of the strings at (a, aLength) and (b, bLength) in `from`. */
  collationCompareAt(id, from, a, aLength, b, bLength) {
    try {
      return this.#call(`c${id}`, this.#interfaces.collation, (bindings, core) => {
        if (!core?.compare) return bindings.compare(id, from.text(a, aLength), from.text(b, bLength));
        const to = core.memory;
        return core.compare.fn(id, to.copyIn(from, a, aLength), aLength, to.copyIn(from, b, bLength), bLength);
      });
    } catch {
      // A comparison cannot fail in SQLite; a broken collation sorts its inputs as equal.
      return 0;
    }
  }

  /** dynamic-call: the function it defined at run time with `id` (connection.create-function). */
  dynamicCall(id, args) {
    if (!this.contract.exports.includes('dynamic-function')) {
      throw { payload: { code: SQLITE_ERROR, message: `${this.info.name} defines functions but does not export sqlite:extension/dynamic-function` } };
    }
    return this.#call(`d${id}`, this.#interfaces.dynamic, (f) => f.call(id, args));
  }

  tableOpen(id, args) {
    return then(this.#call(`t${id}`, this.#interfaces.tables, (f) => f.open(id, args)), (guest) => {
      const cursor = this.#nextCursor++;
      this.#cursors.set(cursor, { id, generation: this.#generation, guest });
      return cursor;
    });
  }

  /** The table function a cursor reads, for the time limit's message. */
  cursorFunction(cursor) {
    return this.#cursors.get(cursor)?.id;
  }

  // A trap replaces the instance, and with it every cursor it had: their rows are gone,
  // which their next call says, rather than reading another cursor of the new instance.
  tableNext(cursor, maxRows) {
    const open = this.#cursors.get(cursor);
    if (!open) throw { payload: { code: SQLITE_ERROR, message: `${this.info.name}: no open cursor ${cursor}` } };
    if (!this.#isLive(open)) {
      throw { payload: { code: SQLITE_ERROR, message: `${this.#shown(`t${open.id}`)} stopped: the extension restarted after a failure` } };
    }
    return this.#call(`t${open.id}`, this.#interfaces.tables, (f) => f.next(open.guest, maxRows));
  }

  tableClose(cursor) {
    const open = this.#cursors.get(cursor);
    this.#cursors.delete(cursor);
    if (!open || !this.#isLive(open)) return;
    try {
      this.#call(`t${open.id}`, this.#interfaces.tables, (f) => f.close(open.guest));
    } catch {
      // No report: a trap replaces the instance, which drops the cursor.
    }
  }

  /** The module of a virtual table or scan, for the time limit's message. */
  moduleOf(handle) {
    return (this.#tables.get(handle) ?? this.#scans.get(handle))?.id;
  }

  // A `virtual-table` call for module `id`.
  #vtab(id, call) {
    return this.#call(`m${id}`, this.#interfaces.modules, call);
  }

  // A table or scan the runtime holds, if the live instance made it: as tableNext, a trap
  // since then leaves it failing rather than reaching another one of the new instance.
  #open(handles, handle, what) {
    const open = handles.get(handle);
    if (!open) throw { payload: { code: SQLITE_ERROR, message: `${this.info.name}: no open ${what} ${handle}` } };
    if (!this.#isLive(open)) {
      const message = `${this.info.name}: this ${what} of module ${this.#names.get(`m${open.id}`)} stopped: the extension restarted after a failure`;
      throw { payload: { code: SQLITE_ERROR, message } };
    }
    return open;
  }

  #keep(handles, id, guest) {
    const handle = this.#nextCursor++;
    handles.set(handle, { id, generation: this.#generation, guest });
    return handle;
  }

  vtabConnect(module, args, create) {
    const declared = this.#vtab(module, (f) => (create ? f.create(module, args) : f.connect(module, args)));
    return then(declared, ({ schema, table }) => ({ schema, table: this.#keep(this.#tables, module, table) }));
  }

  vtabBestIndex(table, info) {
    const { id, guest } = this.#open(this.#tables, table, 'virtual table');
    return this.#vtab(id, (f) => f.bestIndex(guest, info));
  }

  vtabOpen(table) {
    const { id, guest } = this.#open(this.#tables, table, 'virtual table');
    return then(this.#vtab(id, (f) => f.open(guest)), (scan) => this.#keep(this.#scans, id, scan));
  }

  vtabFilter(scan, indexNumber, indexString, args, maxRows) {
    const { id, guest } = this.#open(this.#scans, scan, 'scan');
    return this.#vtab(id, (f) => f.filter(guest, indexNumber, indexString, args, maxRows));
  }

  vtabNext(scan, maxRows) {
    const { id, guest } = this.#open(this.#scans, scan, 'scan');
    return this.#vtab(id, (f) => f.next(guest, maxRows));
  }

  vtabUpdate(table, change) {
    const { id, guest } = this.#open(this.#tables, table, 'virtual table');
    return this.#vtab(id, (f) => f.update(guest, change));
  }

  vtabTransaction(table, event) {
    const { id, guest } = this.#open(this.#tables, table, 'virtual table');
    return this.#vtab(id, (f) => f.transaction(guest, event));
  }

  vtabRename(table, newName) {
    const { id, guest } = this.#open(this.#tables, table, 'virtual table');
    return this.#vtab(id, (f) => f.rename(guest, newName));
  }

  // Closing a scan and disconnecting a table cannot fail; one of an instance that trapped
  // since is gone already.
  vtabClose(scan) {
    this.#forget(this.#scans, scan, (f, guest) => f.close(guest));
  }

  vtabDisconnect(table) {
    this.#forget(this.#tables, table, (f, guest) => f.disconnect(guest));
  }

  vtabDestroy(table) {
    const open = this.#tables.get(table);
    const destroyed = open && this.#isLive(open) ? this.#vtab(open.id, (f) => f.destroy(open.guest)) : undefined;
    return then(destroyed, () => {
      this.#tables.delete(table);
    });
  }

  #forget(handles, handle, call) {
    const open = handles.get(handle);
    handles.delete(handle);
    if (!open || !this.#isLive(open)) return;
    try {
      this.#vtab(open.id, (f) => call(f, open.guest));
    } catch {
      // No report: a trap replaces the instance, which drops it.
    }
  }

  #isLive(cursor) {
    return cursor.generation === this.#generation && this.#instance !== null;
  }

}
