// A database's worker: one Session, driven by the page's messages. Each request is
// { id, method, args }; each reply is { id, result } or { id, error }. Unasked, the worker
// posts { event: 'loaded', extension } when an extension loads (for the page's watchdog).

import { Session } from './engine.js';

let session = null;
const METHODS = ['exec', 'evalLine', 'loadExtension', 'exportBytes', 'close'];

self.onmessage = async ({ data: { id, method, args } }) => {
  try {
    let result;
    if (method === 'open') {
      const [{ path, bytes, baseURI, watchBuffer }] = args;
      session = new Session(path, {
        bytes,
        baseURI,
        watch: watchBuffer ? new Int32Array(watchBuffer) : null,
        onLoad: (extension) => self.postMessage({ event: 'loaded', extension }),
      });
      await session.start();
    } else if (METHODS.includes(method) && session !== null) {
      result = await session[method](...args);
    } else {
      throw new Error(`no such request: ${method}`);
    }
    self.postMessage({ id, result });
  } catch (error) {
    self.postMessage({ id, error: error?.message ?? String(error) });
  }
};
