// A sqlink extension written in JavaScript against sqlite:extension@0.1.0 as first published
// (wit/extension/0.1.0: its metadata has no table functions), built in the test run with
// componentize-js (build.mjs) as an author did in November 2026. Every host must keep loading
// it: js010_lower(text) and js010_len(text).

export const metadata = {
  describe: () => ({
    name: 'js010',
    version: '0.1.0',
    aggregates: [],
    collations: [],
    scalars: [
      { id: 0, name: 'js010_lower', arity: 1, flags: { deterministic: true }, doc: 'Lower case.' },
      { id: 1, name: 'js010_len', arity: 1, flags: { deterministic: true }, doc: 'The length in UTF-16 code units.' },
    ],
  }),
};

export const scalarFunction = {
  call(id, [value]) {
    if (value.tag === 'null') return { tag: 'null' };
    if (value.tag !== 'text') throw { code: 20, message: `${id === 0 ? 'js010_lower' : 'js010_len'} takes text` };
    return id === 0 ? { tag: 'text', val: value.val.toLowerCase() } : { tag: 'integer', val: BigInt(value.val.length) };
  },
};
