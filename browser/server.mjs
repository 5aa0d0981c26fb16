// A static file server for browser/dist on 127.0.0.1, used by `cargo xtask web` and the
// browser tests. `.wasm` is served as application/wasm so streaming compilation works.

import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * Serve `root` on 127.0.0.1:`port` (0 picks a free port). Resolves to the listening server.
 * @returns {Promise<import('node:http').Server>}
 */
export function serve(root, port) {
  const server = createServer((request, response) => {
    let path;
    try {
      path = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    } catch {
      response.writeHead(400).end('bad request');
      return;
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      response.writeHead(403).end('forbidden');
      return;
    }
    let stats = null;
    try {
      stats = statSync(file);
    } catch {
      // Missing, or a path through a file (ENOTDIR): not found either way.
    }
    if (!stats?.isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': stats.size,
      'cache-control': 'no-cache',
      // Cross-origin isolation gives the page SharedArrayBuffer, through which it watches
      // each database's worker for an extension call that does not return.
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('./dist', import.meta.url));
  const port = Number(process.env.PORT ?? 8080);
  const server = await serve(root, port);
  console.log(`sqlink is served at http://127.0.0.1:${server.address().port}/ (Ctrl-C stops)`);
}
