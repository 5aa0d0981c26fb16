// The calls SQLite makes per row (scalar calls, aggregate steps, values and finals,
// collation comparisons) cross from the runtime's linear memory to the extension's without
// jco's per-call glue, which costs several microseconds a call (task bookkeeping, turning
// every text into a JS string and back). Both sides are core wasm here, laid out by the
// canonical ABI for the types of wit/extension (the same in every released version), so each
// argument is copied memory to memory: a `list<value>` is 16-byte cells (a tag byte, the
// payload at 8: an i64, an f64, or a pointer and length), a `result<value, error>` has its
// value at 8 or its error record's code, pointer and length at 8/12/16, and a `result<_,
// error>` has them at 4/8/12.

const TAG = { null: 0, integer: 1, real: 2, text: 3, blob: 4 };
const CELL = 16;
const SQLITE_ERROR = 1;

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextDecoder();

/** A core instance's memory and its `cabi_realloc`, as the canonical ABI uses them. */
export class CoreMemory {
  #memory;
  #realloc;
  #buffer = null;
  #view = null;
  #bytes = null;

  constructor(memory, realloc) {
    this.#memory = memory;
    this.#realloc = realloc;
  }

  // Views are rebuilt only when the memory has grown, which detaches the old buffer (its
  // length reads 0): asking the memory for its buffer on every access costs more.
  #refresh() {
    if (this.#buffer === null || this.#buffer.byteLength === 0) {
      const buffer = this.#memory.buffer;
      this.#buffer = buffer;
      this.#view = new DataView(buffer);
      this.#bytes = new Uint8Array(buffer);
    }
  }

  get view() {
    this.#refresh();
    return this.#view;
  }

  get bytes() {
    this.#refresh();
    return this.#bytes;
  }

  /** The WebAssembly.Memory and the `cabi_realloc` function themselves (for scalarAdapter). */
  get wasm() {
    return { memory: this.#memory, realloc: this.#realloc };
  }

  alloc(size, align) {
    return this.#realloc(0, 0, align, size) >>> 0;
  }

  /** Copy `length` bytes at `at` in `from` into a new allocation here; its address. */
  copyIn(from, at, length) {
    if (length === 0) return align1Empty;
    const to = this.alloc(length, 1);
    this.bytes.set(from.bytes.subarray(at, at + length), to);
    return to;
  }

  /** `text` as UTF-8 in a new allocation here: [address, length]. */
  writeText(text) {
    const bytes = encoder.encode(text);
    const at = bytes.length === 0 ? align1Empty : this.alloc(bytes.length, 1);
    this.bytes.set(bytes, at);
    return [at, bytes.length];
  }

  text(at, length) {
    return utf8.decode(this.bytes.subarray(at, at + length));
  }
}

// An empty list or string needs no allocation; any address aligned for its element will do.
const align1Empty = 1;

/** Thrown by a crossing that fails as SQL: the runtime gets it as the call's `err`. */
export function sqlError(message, code = SQLITE_ERROR) {
  return { payload: { code, message } };
}

/** Copy the `list<value>` at (`at`, `count`) in `from` into new allocations in `to`; its address. */
export function copyValues(from, at, count, to) {
  if (count === 0) return 8;
  const list = to.alloc(count * CELL, 8);
  for (let i = 0; i < count; i++) copyValue(from, at + i * CELL, to, list + i * CELL, false);
  return list;
}

// One value cell from `at` in `from` to `dest` in `to`. Text coming back from an extension is
// checked to be UTF-8 (the runtime's guest code trusts its strings), as wasmtime's lifting does.
function copyValue(from, at, to, dest, checkText) {
  const source = from.view;
  const tag = source.getUint8(at);
  switch (tag) {
    case TAG.null:
      to.view.setUint8(dest, tag);
      return;
    case TAG.integer:
    case TAG.real: {
      const bits = source.getBigInt64(at + 8, true);
      const view = to.view;
      view.setUint8(dest, tag);
      view.setBigInt64(dest + 8, bits, true);
      return;
    }
    case TAG.text:
    case TAG.blob: {
      const pointer = source.getUint32(at + 8, true);
      const length = source.getUint32(at + 12, true);
      if (checkText && tag === TAG.text) checkUtf8(from.bytes, pointer, length);
      const copy = to.copyIn(from, pointer, length);
      const view = to.view;
      view.setUint8(dest, tag);
      view.setUint32(dest + 8, copy, true);
      view.setUint32(dest + 12, length, true);
      return;
    }
    default:
      throw new Error(`it returned a value with the unknown tag ${tag}`);
  }
}

// ASCII, the common case, is checked byte by byte; anything else by a strict decoder.
function checkUtf8(bytes, at, length) {
  for (let i = at, end = at + length; i < end; i++) {
    if (bytes[i] >= 0x80) {
      try {
        strictUtf8.decode(bytes.subarray(at, end));
      } catch {
        throw new Error('it returned text that is not UTF-8');
      }
      return;
    }
  }
}

/** The `list<value>` at (`at`, `count`) in `from` as jco's JS values (for jco's own glue). */
export function readValues(from, at, count) {
  const values = [];
  for (let i = 0; i < count; i++) {
    const cell = at + i * CELL;
    const view = from.view;
    const tag = view.getUint8(cell);
    const pointer = view.getUint32(cell + 8, true);
    const length = view.getUint32(cell + 12, true);
    switch (tag) {
      case TAG.null:
        values.push({ tag: 'null' });
        break;
      case TAG.integer:
        values.push({ tag: 'integer', val: view.getBigInt64(cell + 8, true) });
        break;
      case TAG.real:
        values.push({ tag: 'real', val: view.getFloat64(cell + 8, true) });
        break;
      case TAG.text:
        values.push({ tag: 'text', val: from.text(pointer, length) });
        break;
      case TAG.blob:
        values.push({ tag: 'blob', val: from.bytes.slice(pointer, pointer + length) });
        break;
      default:
        throw sqlError(`a value with the unknown tag ${tag} crossed`);
    }
  }
  return values;
}

/** Write jco's JS value `value` as a value cell at `dest` in `to`. */
export function writeValue(to, dest, value) {
  const tag = TAG[value?.tag];
  if (tag === undefined) throw new Error(`it returned an unknown value ${JSON.stringify(value?.tag)}`);
  switch (tag) {
    case TAG.null:
      to.view.setUint8(dest, tag);
      return;
    case TAG.integer:
      to.view.setUint8(dest, tag);
      to.view.setBigInt64(dest + 8, BigInt.asIntN(64, BigInt(value.val)), true);
      return;
    case TAG.real:
      to.view.setUint8(dest, tag);
      to.view.setFloat64(dest + 8, Number(value.val), true);
      return;
    default: {
      let at;
      let length;
      if (tag === TAG.text) {
        [at, length] = to.writeText(String(value.val));
      } else {
        const bytes = value.val instanceof Uint8Array ? value.val : Uint8Array.from(value.val);
        length = bytes.length;
        at = length === 0 ? align1Empty : to.alloc(length, 1);
        to.bytes.set(bytes, at);
      }
      const view = to.view;
      view.setUint8(dest, tag);
      view.setUint32(dest + 8, at, true);
      view.setUint32(dest + 12, length, true);
    }
  }
}

// Where a result's error record sits: after the tag, aligned for its payload.
const ERROR_AT = { value: 8, unit: 4 };

/**
 * Copy the extension's `result<value, error>` (`shape` 'value') or `result<_, error>`
 * ('unit') at `at` in `from` to `dest` in `to`. An `err` is thrown as a SQL error instead,
 * for the caller to report as the function's.
 */
export function copyResult(from, at, to, dest, shape) {
  const view = from.view;
  if (view.getUint8(at) !== 0) {
    const error = at + ERROR_AT[shape];
    const code = view.getInt32(error, true);
    throw sqlError(from.text(view.getUint32(error + 4, true), view.getUint32(error + 8, true)), code);
  }
  if (shape === 'value') copyValue(from, at + 8, to, dest + 8, true);
  to.view.setUint8(dest, 0);
}

/** Write an `ok` result holding jco's JS `value` (undefined for `result<_, error>`) at `dest` in `to`. */
export function writeOk(to, dest, shape, value) {
  if (shape === 'value') writeValue(to, dest + 8, value);
  to.view.setUint8(dest, 0);
}

/** Write the `err` of a result at `dest` in `to`: the SQL error `payload` ({ code, message }). */
export function writeErr(to, dest, shape, { code, message }) {
  const error = dest + ERROR_AT[shape];
  const [at, length] = to.writeText(String(message));
  const view = to.view;
  view.setUint8(dest, 1);
  view.setInt32(error, Number(code) | 0, true);
  view.setUint32(error + 4, at, true);
  view.setUint32(error + 8, length, true);
}

/** The payload of a SQL error thrown by a crossing, or one for any other exception. */
export function errorPayload(error) {
  if (error && Object.prototype.hasOwnProperty.call(error, 'payload') && typeof error.payload === 'object') {
    return { code: error.payload.code ?? SQLITE_ERROR, message: error.payload.message ?? String(error.payload) };
  }
  return { code: SQLITE_ERROR, message: error?.message ?? String(error) };
}

// The core exports of the per-row calls, as wit-component names them for a component built
// against contract `version`: the values' layout is the same in every released version.
const coreExports = (version) => ({
  call: `sqlite:extension/scalar-function@${version}#call`,
  step: `sqlite:extension/aggregate-function@${version}#step`,
  inverse: `sqlite:extension/aggregate-function@${version}#inverse`,
  value: `sqlite:extension/aggregate-function@${version}#value`,
  finalize: `sqlite:extension/aggregate-function@${version}#finalize`,
  compare: `sqlite:extension/collation@${version}#compare`,
});

/**
 * The core functions of an extension's instance that its per-row calls reach, when one core
 * instance exports them with its `memory` and `cabi_realloc` (what wit-component produces
 * for a guest's main module); else null, and calls go through jco's glue. `version` is the
 * contract version the component was built against.
 * Each entry: { fn, post } (`post` is its `cabi_post_` function, when it has one).
 */
export function extensionCore(instances, version) {
  const EXPORTS = coreExports(version);
  const main = instances.find((instance) => EXPORTS.call in instance.exports);
  const exports = main?.exports;
  if (!(exports?.memory instanceof WebAssembly.Memory) || typeof exports.cabi_realloc !== 'function') return null;
  // `adapter`: the scalar call in wasm from the runtime's memory `adapterFrom` (scalarAdapter).
  const core = { memory: new CoreMemory(exports.memory, exports.cabi_realloc), adapter: null, adapterFrom: null };
  for (const [name, exportName] of Object.entries(EXPORTS)) {
    const fn = exports[exportName];
    core[name] = typeof fn === 'function' ? { fn, post: exports[`cabi_post_${exportName}`] ?? null } : null;
  }
  return core;
}

// A scalar call made in wasm: a small module importing both memories (multi-memory), both
// `cabi_realloc`s, the extension's `call` and its `cabi_post_` function, exporting
// `run(id, args, count, ret) -> status`. It copies the arguments as copyValues does, calls
// the function, and when the result is an `ok` with a known tag (and ASCII when it is text)
// copies it to `ret` as copyResult does and calls the post-return function, answering 0;
// otherwise it answers 1, leaving the result's address in its global `at` for copyResult,
// which reports an `err`, checks non-ASCII text and refuses an unknown tag. The JS path costs
// a JS-to-wasm transition per allocation, per call and per post-return, with JS in between;
// here a row crosses from JS into wasm once. A trap still unwinds to the JS caller.
const adapterModules = new Map();

function adapterModule(withPost) {
  if (adapterModules.has(withPost)) return adapterModules.get(withPost);
  const I32 = 0x7f;
  const vector = (items) => [...leb(items.length), ...items.flat()];
  const section = (id, body) => [id, ...leb(body.length), ...body];
  const name = (text) => vector([...encoder.encode(text)]);
  // Locals: the parameters, then the body's.
  const [id, args, count, ret, list, i, src, dst, tag, ptr, len, copy, at] = [...Array(13).keys()];
  const RT = 0;
  const EXT = 1;
  const [rtRealloc, extRealloc, call, post, run] = [0, 1, 2, 3, withPost ? 4 : 3];
  const get = (local) => [0x20, local];
  const set = (local) => [0x21, local];
  const constant = (value) => [0x41, ...sleb(value)];
  // A load or store (opcode) in memory `memory` at `offset`, with the alignment `align` (log2).
  const mem = (opcode, align, memory, offset) => (memory === 0 ? [opcode, align, ...leb(offset)] : [opcode, align | 0x40, memory, ...leb(offset)]);
  const [load8, load32, load64, store8, store32, store64] = [
    (m, o) => mem(0x2d, 0, m, o), (m, o) => mem(0x28, 2, m, o), (m, o) => mem(0x29, 3, m, o),
    (m, o) => mem(0x3a, 0, m, o), (m, o) => mem(0x36, 2, m, o), (m, o) => mem(0x37, 3, m, o),
  ];
  const copyBytes = (to, from) => [0xfc, 0x0a, to, from];
  const [IF, ELSE, END, BLOCK, LOOP, BR, BR_IF, RETURN, CALL] = [[0x04, 0x40], 0x05, 0x0b, [0x02, 0x40], [0x03, 0x40], 0x0c, 0x0d, 0x0f, 0x10];
  const [ADD, SHL, EQ, GE_U, GT_U] = [0x6a, 0x74, 0x46, 0x4f, 0x4b];
  // `length` bytes at `pointer` in memory `from` into a new allocation in `to` (by `realloc`),
  // its address in `copy` (1 when empty, as copyIn).
  const copyOut = (realloc, to, from) => [
    ...constant(1), ...set(copy),
    ...get(len), ...IF,
    ...constant(0), ...constant(0), ...constant(1), ...get(len), CALL, realloc, ...set(copy),
    ...get(copy), ...get(ptr), ...get(len), ...copyBytes(to, from),
    END,
  ];
  // A value cell's payload at `source` + `at` in memory `from` to `dest` + `at` in `to`:
  // text and blob (tags 3, 4) as a copy of their bytes, after `check`; the others, eight bytes.
  const payload = ({ source, from, at: sourceAt }, { dest, to, at: destAt }, realloc, check = []) => [
    ...get(tag), ...constant(3), GE_U, ...IF,
    ...get(source), ...load32(from, sourceAt), ...set(ptr),
    ...get(source), ...load32(from, sourceAt + 4), ...set(len),
    ...check,
    ...copyOut(realloc, to, from),
    ...get(dest), ...get(copy), ...store32(to, destAt),
    ...get(dest), ...get(len), ...store32(to, destAt + 4),
    ELSE,
    ...get(dest), ...get(source), ...load64(from, sourceAt), ...store64(to, destAt),
    END,
  ];
  const body = [
    // The arguments: list = count cells of 16 bytes in the extension (8 when empty).
    ...constant(8), ...set(list),
    ...get(count), ...IF,
    ...constant(0), ...constant(0), ...constant(8), ...get(count), ...constant(4), SHL, CALL, extRealloc, ...set(list),
    END,
    ...constant(0), ...set(i),
    ...BLOCK, ...LOOP,
    ...get(i), ...get(count), GE_U, BR_IF, 1,
    ...get(args), ...get(i), ...constant(4), SHL, ADD, ...set(src),
    ...get(list), ...get(i), ...constant(4), SHL, ADD, ...set(dst),
    ...get(src), ...load8(RT, 0), ...set(tag),
    ...get(dst), ...get(tag), ...store8(EXT, 0),
    ...payload({ source: src, from: RT, at: 8 }, { dest: dst, to: EXT, at: 8 }, extRealloc),
    ...get(i), ...constant(1), ADD, ...set(i),
    BR, 0,
    END, END,
    // The call; its result<value, error> at `at`.
    ...get(id), ...get(list), ...get(count), CALL, call, 0x22, at, 0x24, 0,
    ...get(at), ...load8(EXT, 0), ...IF, ...constant(1), RETURN, END,
    ...get(at), ...load8(EXT, 8), ...set(tag),
    // An unknown tag goes to copyResult; text passes when ASCII, else copyResult checks it.
    ...payload({ source: at, from: EXT, at: 16 }, { dest: ret, to: RT, at: 16 }, rtRealloc, [
      ...get(tag), ...constant(4), GT_U, ...IF, ...constant(1), RETURN, END,
      ...get(tag), ...constant(3), EQ, ...IF,
      ...get(ptr), ...set(i),
      ...BLOCK, ...LOOP,
      ...get(i), ...get(ptr), ...get(len), ADD, GE_U, BR_IF, 1,
      ...get(i), ...load8(EXT, 0), ...constant(0x80), GE_U, ...IF, ...constant(1), RETURN, END,
      ...get(i), ...constant(1), ADD, ...set(i),
      BR, 0,
      END, END,
      END,
    ]),
    ...get(ret), ...get(tag), ...store8(RT, 8),
    ...get(ret), ...constant(0), ...store8(RT, 0),
    ...(withPost ? [...get(at), CALL, post] : []),
    ...constant(0),
    END,
  ];
  const memoryImport = (field) => [...name(''), ...name(field), 0x02, 0x00, 0];
  const funcImport = (field, type) => [...name(''), ...name(field), 0x00, type];
  const imports = [memoryImport('rt'), memoryImport('ext'), funcImport('rtRealloc', 0), funcImport('extRealloc', 0), funcImport('call', 1)];
  if (withPost) imports.push(funcImport('post', 2));
  // One group of locals: nine i32s.
  const code = [1, at - list + 1, I32, ...body];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    // (i32 x4) -> i32: cabi_realloc and run; (i32 x3) -> i32: call; (i32) -> (): post
    ...section(1, vector([[0x60, ...vector([I32, I32, I32, I32]), 1, I32], [0x60, ...vector([I32, I32, I32]), 1, I32], [0x60, ...vector([I32]), 0]])),
    ...section(2, vector(imports)),
    ...section(3, vector([[0]])),
    ...section(6, vector([[I32, 0x01, ...constant(0), END]])),
    ...section(7, vector([[...name('run'), 0x00, run], [...name('at'), 0x03, 0]])),
    ...section(10, vector([[...leb(code.length), ...code]])),
  ];
  let module = null;
  try {
    module = new WebAssembly.Module(new Uint8Array(bytes));
  } catch {
    // No multi-memory in this engine: the JS path serves.
  }
  adapterModules.set(withPost, module);
  return module;
}

/**
 * The wasm scalar call (see adapterModule) from the runtime's memory `from` into the
 * extension's core instance `core` with its `call` entry; null when the engine cannot
 * compile it. `run(id, args, count, ret)` answers 0 when the result is written at `ret`,
 * else 1 with the result at `at.value`, for copyResult and the post-return function.
 */
export function scalarAdapter(from, core, entry) {
  const module = adapterModule(entry.post !== null);
  if (module === null) return null;
  const runtime = from.wasm;
  const extension = core.memory.wasm;
  const imports = { rt: runtime.memory, ext: extension.memory, rtRealloc: runtime.realloc, extRealloc: extension.realloc, call: entry.fn };
  if (entry.post !== null) imports.post = entry.post;
  const { exports } = new WebAssembly.Instance(module, { '': imports });
  return { from, run: exports.run, at: exports.at };
}

// Unsigned and signed LEB128, as wasm's binary format writes numbers.
export function leb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function sleb(value) {
  const out = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
