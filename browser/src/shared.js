// What the page (sqlink.js) and a database's worker (worker.js, engine.js) agree on.

// The bundled extensions, served beside the module under wasm/ (BUNDLED_EXTENSIONS), and
// those granted the clock, as natively (GRANTED_CLOCK): build.mjs writes bundled.js from
// extensions/bundled.txt, the list every host reads.
export { BUNDLED_EXTENSIONS, GRANTED_CLOCK } from './bundled.js';

/**
 * Slots of the Int32Array over a SharedArrayBuffer shared by the page and a database's
 * worker. The worker shows which extension call is running: the page cannot interrupt wasm,
 * but it can stop the worker when one call runs past the time limit. The page asks for an
 * interrupt, which SQLite in the worker reads through the runtime's `interrupt` import.
 */
export const WATCH = {
  busy: 0, // 1 while an extension call runs
  calls: 1, // incremented as each call starts
  handle: 2, // the extension running
  kind: 3, // one of `kinds`
  id: 4, // the function's id within its kind
  interrupt: 5, // 1 while an interrupt is pending
  length: 6,
  kinds: { scalar: 0, aggregate: 1, collation: 2, table: 3, module: 4, dynamic: 5 },
};

/** The function a kind and id name in an extension's metadata (none for one defined at run time). */
export function functionName(info, kind, id) {
  const list = [info.scalars, info.aggregates, info.collations, info.tableFunctions, info.modules][kind] ?? [];
  return list.find((f) => f.id === id)?.name;
}

/** The bytes of an ArrayBuffer or of any view on one, as a Uint8Array (no copy). */
export function asBytes(source) {
  return source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
}
