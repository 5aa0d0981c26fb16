// A sqlink extension written in JavaScript, built in the test run with componentize-js
// (build.mjs, with this folder's npm package @bytecodealliance/componentize-js) for the
// `scalar-extension` world: js_upper(text), as in the README.

export const metadata = {
  describe: () => ({
    name: 'jsext',
    version: '1.0.0',
    aggregates: [],
    collations: [],
    tableFunctions: [],
    scalars: [{ id: 0, name: 'js_upper', arity: 1, flags: { deterministic: true }, doc: 'Upper case.' }],
  }),
};

export const scalarFunction = {
  call(id, [value]) {
    if (value.tag === 'null') return { tag: 'null' };
    if (value.tag !== 'text') throw { code: 20, message: 'js_upper takes text' };
    return { tag: 'text', val: value.val.toUpperCase() };
  },
};
