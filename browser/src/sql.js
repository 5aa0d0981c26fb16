// SQL an extension runs on the connection calling it (the contract's `connection` import), in
// the page. The SQLite side is the runtime's: `sqlink:wasm/extension-sql`, the dispatch bridge's
// `CallSql` on the connection running a statement (the sandbox's authorizer, statements
// finalized when the call ends), whose core functions are called here directly, while the
// runtime's `dispatch` import is running the extension (the runtime may be entered again
// then). SQLite may wait for OPFS or a Web Lock while running it, which JSPI allows only on a
// stack without JS frames: so the calls that run SQL go through `WebAssembly.promising`, the
// extension's `connection` imports that reach them suspend the extension (jco's JSPI mode,
// extensions.js), and the runtime's call of such an extension suspends the runtime (engine.js).

import { readValues, sqlError, writeValue } from './crossing.js';

const INTERFACE = 'sqlink:wasm/extension-sql@0.1.0';
const FUNCTIONS = [
  'begin', 'end', 'prepare', 'bind', 'step', 'reset', 'column-names', 'finalize', 'execute', 'changes', 'last-insert-rowid', 'on-conflict',
  'create-function', 'delete-function', 'create-sql-function',
];
// `connection.conflict-mode`'s cases, in the WIT's order (jco passes an enum as its name).
const CONFLICT_MODES = ['rollback', 'abort', 'fail', 'ignore', 'replace'];
// `function-flags`' bits, in the WIT's order (jco passes flags as an object of booleans).
const FUNCTION_FLAGS = ['deterministic', 'directOnly', 'innocuous'];
const flagBits = (flags) => FUNCTION_FLAGS.reduce((sum, flag, bit) => sum | (flags?.[flag] ? 1 << bit : 0), 0);
// The functions that run SQL, and so may wait (defining a function reads the connection's
// list of functions; one with a SQL body compiles it).
const WAITING = ['prepare', 'step', 'execute', 'create-function', 'delete-function', 'create-sql-function'];
const CELL = 16;

/** The extension functions of the contract's `connection` import that may wait (for jco's JSPI mode). */
export const WAITING_IMPORTS = [
  'sqlite:extension/connection#prepare',
  'sqlite:extension/connection#execute',
  'sqlite:extension/connection#[method]statement.step',
  'sqlite:extension/connection#create-function',
  'sqlite:extension/connection#delete-function',
  'sqlite:extension/connection#create-sql-function',
];

const NO_CALL =
  'an extension may run SQL only while SQLite calls one of its functions, tables or modules (not at load, nor in a hook)';
const NOT_HERE = 'an extension may not run SQL in a collation, or while a scan or table closes, in a page';

/** The runtime's `extension-sql`, or null for a runtime without it (older, or composed before it). */
export class RuntimeSql {
  #fn = {};
  #post = {};
  #memory;
  // 'async' while a call that may run SQL is framed, 'sync' while one that may not runs.
  #framed = null;

  static of(exports, memory) {
    if (!FUNCTIONS.every((name) => typeof exports[`${INTERFACE}#${name}`] === 'function')) return null;
    return new RuntimeSql(exports, memory);
  }

  constructor(exports, memory) {
    for (const name of FUNCTIONS) {
      const fn = exports[`${INTERFACE}#${name}`];
      this.#fn[name] = WAITING.includes(name) ? WebAssembly.promising(fn) : fn;
      this.#post[name] = exports[`cabi_post_${INTERFACE}#${name}`] ?? (() => {});
    }
    this.#memory = memory;
  }

  /** Whether an extension call is running (SQL it runs may not call an extension again). */
  get busy() {
    return this.#framed !== null;
  }

  /** Run `call` (returning a promise) as a call of extension `ext` that may run SQL on the calling connection. */
  async framed(ext, call) {
    const error = this.#unit(this.#fn.begin(ext), 'begin');
    if (error) throw error;
    this.#framed = 'async';
    try {
      return await call();
    } finally {
      this.#framed = null;
      this.#fn.end();
    }
  }

  /** Run `call` as an extension call that may not run SQL (it cannot wait there). */
  unframed(call) {
    this.#framed = 'sync';
    try {
      return call();
    } finally {
      this.#framed = null;
    }
  }

  // A `result<_, error>` at `at`: the error as a SQL error, or null.
  #unit(at, name) {
    const view = this.#memory.view;
    const error = view.getUint8(at) === 0 ? null : this.#error(at + 4);
    this.#post[name](at);
    return error;
  }

  #error(at) {
    const view = this.#memory.view;
    return sqlError(this.#memory.text(view.getUint32(at + 4, true), view.getUint32(at + 8, true)), view.getInt32(at, true));
  }

  #check() {
    if (this.#framed === null) throw sqlError(NO_CALL);
    if (this.#framed === 'sync') throw sqlError(NOT_HERE);
  }

  #text(text) {
    return this.#memory.writeText(String(text));
  }

  #values(values) {
    const at = values.length === 0 ? 8 : this.#memory.alloc(values.length * CELL, 8);
    values.forEach((value, i) => writeValue(this.#memory, at + i * CELL, value));
    return [at, values.length];
  }

  // The list of value lists at (`at`, `count`): rows.
  #rows(at, count) {
    const rows = [];
    for (let i = 0; i < count; i++) {
      const view = this.#memory.view;
      rows.push(readValues(this.#memory, view.getUint32(at + i * 8, true), view.getUint32(at + i * 8 + 4, true)));
    }
    return rows;
  }

  /**
   * The `connection` import an extension is given.
   * @param {Map<number, string>} defined the names of the functions it defines at run time, by id
   */
  connection(defined) {
    const sql = this;
    // A statement this call prepared; its number is the runtime's (never reused: one kept past
    // its call fails there as finalized).
    class Statement {
      #id;
      constructor(id) {
        this.#id = id;
      }

      bind(index, value) {
        sql.#check();
        const [disc, payload, length] = sql.#flat(value);
        const error = sql.#unit(sql.#fn.bind(this.#id, index, disc, payload, length), 'bind');
        if (error) throw error;
      }

      async step() {
        sql.#check();
        const at = await sql.#fn.step(this.#id);
        const view = sql.#memory.view;
        try {
          if (view.getUint8(at) !== 0) throw sql.#error(at + 4);
          if (view.getUint8(at + 4) === 0) return undefined;
          return readValues(sql.#memory, view.getUint32(at + 8, true), view.getUint32(at + 12, true));
        } finally {
          sql.#post.step(at);
        }
      }

      reset() {
        sql.#check();
        const error = sql.#unit(sql.#fn.reset(this.#id), 'reset');
        if (error) throw error;
      }

      columnNames() {
        if (sql.#framed !== 'async') return [];
        const at = sql.#fn['column-names'](this.#id);
        const view = sql.#memory.view;
        try {
          if (view.getUint8(at) !== 0) return [];
          const [list, count] = [view.getUint32(at + 4, true), view.getUint32(at + 8, true)];
          return Array.from({ length: count }, (_, i) =>
            sql.#memory.text(view.getUint32(list + i * 8, true), view.getUint32(list + i * 8 + 4, true)));
        } finally {
          sql.#post['column-names'](at);
        }
      }

      [Symbol.dispose]() {
        if (sql.#framed === 'async') sql.#fn.finalize(this.#id);
      }
    }
    return {
      Statement,
      async prepare(text) {
        sql.#check();
        const [at, length] = sql.#text(text);
        const ret = await sql.#fn.prepare(at, length);
        const view = sql.#memory.view;
        try {
          if (view.getUint8(ret) !== 0) throw sql.#error(ret + 8);
          return new Statement(view.getBigUint64(ret + 8, true));
        } finally {
          sql.#post.prepare(ret);
        }
      },
      async execute(text, params) {
        sql.#check();
        const [at, length] = sql.#text(text);
        const [list, count] = sql.#values(params);
        const ret = await sql.#fn.execute(at, length, list, count);
        const view = sql.#memory.view;
        try {
          if (view.getUint8(ret) !== 0) throw sql.#error(ret + 4);
          return sql.#rows(view.getUint32(ret + 4, true), view.getUint32(ret + 8, true));
        } finally {
          sql.#post.execute(ret);
        }
      },
      changes: () => (sql.#framed === 'async' ? sql.#fn.changes() : 0n),
      lastInsertRowid: () => (sql.#framed === 'async' ? sql.#fn['last-insert-rowid']() : 0n),
      onConflict() {
        sql.#check();
        const at = sql.#fn['on-conflict']();
        const view = sql.#memory.view;
        try {
          if (view.getUint8(at) !== 0) throw sql.#error(at + 4);
          return CONFLICT_MODES[view.getUint8(at + 4)];
        } finally {
          sql.#post['on-conflict'](at);
        }
      },
      // The runtime defines it on the calling connection (the rule every host shares); its
      // calls come back through dispatch's dynamic-call (engine.js).
      async createFunction(name, arity, flags, id) {
        sql.#check();
        const [at, length] = sql.#text(name);
        const error = sql.#unit(await sql.#fn['create-function'](at, length, arity, flagBits(flags), id), 'create-function');
        if (error) throw error;
        defined.set(id >>> 0, String(name));
      },
      // Contract 0.5.0: the runtime runs `body` for each call itself, so nothing of it is
      // kept here and its calls never come back to the page.
      async createSqlFunction(name, arity, flags, body) {
        sql.#check();
        const [at, length] = sql.#text(name);
        const [bodyAt, bodyLength] = sql.#text(body);
        const error = sql.#unit(await sql.#fn['create-sql-function'](at, length, arity, flagBits(flags), bodyAt, bodyLength), 'create-sql-function');
        if (error) throw error;
      },
      async deleteFunction(name, arity) {
        sql.#check();
        const [at, length] = sql.#text(name);
        const error = sql.#unit(await sql.#fn['delete-function'](at, length, arity), 'delete-function');
        if (error) throw error;
      },
    };
  }

  // A value as the canonical ABI passes it flat: discriminant, payload (i64), length.
  #flat(value) {
    switch (value?.tag) {
      case 'null':
        return [0, 0n, 0];
      case 'integer':
        return [1, BigInt.asIntN(64, BigInt(value.val)), 0];
      case 'real': {
        const bits = new DataView(new ArrayBuffer(8));
        bits.setFloat64(0, Number(value.val), true);
        return [2, bits.getBigInt64(0, true), 0];
      }
      case 'text': {
        const [at, length] = this.#text(value.val);
        return [3, BigInt(at), length];
      }
      case 'blob': {
        const bytes = value.val instanceof Uint8Array ? value.val : Uint8Array.from(value.val);
        const at = bytes.length === 0 ? 1 : this.#memory.alloc(bytes.length, 1);
        this.#memory.bytes.set(bytes, at);
        return [4, BigInt(at), bytes.length];
      }
      default:
        throw sqlError(`an unknown value ${JSON.stringify(value?.tag)}`);
    }
  }
}
