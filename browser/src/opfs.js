// The runtime's files and locks in a page: the part of `wasi:filesystem` that SQLite's VFS
// uses (a preopened directory, open-at, positional read and write, set-size, sync, stat,
// unlink), over the Origin Private File System through synchronous access handles, and the
// `sqlink:wasm/file-locks` import over Web Locks, so that pages of one origin share a
// database file as processes share one natively.
//
// Access handles are opened in Chromium's `readwrite-unsafe` mode: every worker of the
// origin may hold one on the same file at once, and SQLite's locks (Web Locks here) decide
// who reads and writes when, exactly as byte-range locks do for processes on one file.
// Opening, stat and unlink are asynchronous in OPFS; the runtime reaches them through JSPI
// (they are async imports in build.mjs). Reads and writes are synchronous.

const timeZero = { seconds: 0n, nanoseconds: 0 };

// An OPFS failure as a `wasi:filesystem` error code (thrown as a string, as the shim does).
function fsError(error) {
  switch (error?.name) {
    case 'NotFoundError':
      return 'no-entry';
    case 'TypeMismatchError':
      return 'not-directory';
    case 'NoModificationAllowedError':
    case 'InvalidStateError':
      return 'busy';
    case 'QuotaExceededError':
      return 'insufficient-space';
    case 'NotAllowedError':
    case 'SecurityError':
      return 'access';
    default:
      return 'io';
  }
}

async function orThrowCode(operation) {
  try {
    return await operation();
  } catch (error) {
    throw typeof error === 'string' ? error : fsError(error);
  }
}

// The path's parent directory handle and its last name ('.' for the directory itself).
async function walk(dir, path) {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw 'not-permitted';
  const name = parts.pop() ?? '.';
  for (const part of parts) dir = await dir.getDirectoryHandle(part);
  return [dir, name];
}

let nextObjectId = 1n;

// What this worker holds open, so that closing a database lets go of its file at once
// (a terminated worker's handles and locks are released only some time later).
const openHandles = new Set();
const openLocks = new Set();

/** Close every access handle and release every lock this worker holds. */
export async function closeFiles() {
  for (const access of openHandles) access.close();
  openHandles.clear();
  await Promise.all([...openLocks].map((lock) => lock.release('none')));
}

/** A `wasi:filesystem/types.descriptor`: an OPFS directory, or a file's access handle. */
export class Descriptor {
  #dir = null;
  #file = null;
  #access = null;
  #id;

  static directory(dir) {
    const d = new Descriptor();
    d.#dir = dir;
    d.#id = nextObjectId++;
    return d;
  }

  static file(fileHandle, access) {
    const d = new Descriptor();
    d.#file = fileHandle;
    d.#access = access;
    openHandles.add(access);
    d.#id = nextObjectId++;
    return d;
  }

  #needFile() {
    if (this.#access === null) throw this.#dir ? 'is-directory' : 'bad-descriptor';
    return this.#access;
  }

  #needDir() {
    if (this.#dir === null) throw 'not-directory';
    return this.#dir;
  }

  getType() {
    return this.#dir ? 'directory' : 'regular-file';
  }

  getFlags() {
    return { read: true, write: true, mutateDirectory: this.#dir !== null };
  }

  stat() {
    const size = this.#access ? BigInt(this.#access.getSize()) : 0n;
    return {
      type: this.getType(),
      linkCount: 1n,
      size,
      dataAccessTimestamp: timeZero,
      dataModificationTimestamp: timeZero,
      statusChangeTimestamp: timeZero,
    };
  }

  metadataHash() {
    return { upper: 0n, lower: this.#id };
  }

  read(length, offset) {
    const access = this.#needFile();
    const size = access.getSize();
    const at = Number(offset);
    const len = Math.max(0, Math.min(Number(length), size - at));
    const buffer = new Uint8Array(len);
    const read = len > 0 ? access.read(buffer, { at }) : 0;
    return [buffer.subarray(0, read), at + read >= size];
  }

  write(buffer, offset) {
    const access = this.#needFile();
    try {
      return BigInt(access.write(buffer, { at: Number(offset) }));
    } catch (error) {
      throw fsError(error);
    }
  }

  setSize(size) {
    try {
      this.#needFile().truncate(Number(size));
    } catch (error) {
      throw typeof error === 'string' ? error : fsError(error);
    }
  }

  sync() {
    if (this.#access) this.#access.flush();
  }

  syncData() {
    this.sync();
  }

  advise() {}

  async openAt(_pathFlags, path, openFlags, _flags) {
    const dir = this.#needDir();
    return orThrowCode(async () => {
      const [parent, name] = await walk(dir, path);
      if (name === '.') return Descriptor.directory(parent);
      if (openFlags.directory) return Descriptor.directory(await parent.getDirectoryHandle(name, { create: !!openFlags.create }));
      if (openFlags.create && openFlags.exclusive) {
        const exists = await parent.getFileHandle(name).then(() => true, () => false);
        if (exists) throw 'exist';
      }
      let fileHandle;
      try {
        fileHandle = await parent.getFileHandle(name, { create: !!openFlags.create });
      } catch (error) {
        // A directory by that name: SQLite's own checks open directories to sync them.
        if (error?.name === 'TypeMismatchError') return Descriptor.directory(await parent.getDirectoryHandle(name));
        throw error;
      }
      const access = await fileHandle.createSyncAccessHandle({ mode: 'readwrite-unsafe' });
      if (openFlags.truncate) access.truncate(0);
      return Descriptor.file(fileHandle, access);
    });
  }

  async statAt(_pathFlags, path) {
    const dir = this.#needDir();
    return orThrowCode(async () => {
      const [parent, name] = await walk(dir, path);
      if (name === '.') return Descriptor.directory(parent).stat();
      let size;
      try {
        size = (await (await parent.getFileHandle(name)).getFile()).size;
      } catch (error) {
        if (error?.name !== 'TypeMismatchError') throw error;
        await parent.getDirectoryHandle(name);
        return Descriptor.directory(parent).stat();
      }
      return { ...Descriptor.directory(parent).stat(), type: 'regular-file', size: BigInt(size) };
    });
  }

  async metadataHashAt(_pathFlags, path) {
    const dir = this.#needDir();
    await orThrowCode(() => walk(dir, path).then(([parent, name]) => (name === '.' ? parent : parent.getFileHandle(name))));
    return { upper: 0n, lower: 0n };
  }

  async unlinkFileAt(path) {
    const dir = this.#needDir();
    return orThrowCode(async () => {
      const [parent, name] = await walk(dir, path);
      await parent.getFileHandle(name);
      await parent.removeEntry(name);
    });
  }

  // The runtime dropped its handle: close the access handle so the file can be removed.
  [Symbol.dispose]() {
    if (this.#access === null) return;
    openHandles.delete(this.#access);
    this.#access.close();
    this.#access = null;
  }
}

/**
 * The runtime's `wasi:filesystem`: OPFS's root directory preopened at `/`.
 * @param {FileSystemDirectoryHandle} root
 */
export function opfsFilesystem(root) {
  const preopen = Descriptor.directory(root);
  return {
    types: {
      Descriptor,
      DirectoryEntryStream: class DirectoryEntryStream {},
      filesystemErrorCode: () => undefined,
    },
    preopens: { getDirectories: () => [[preopen, '/']] },
  };
}

// A new OPFS database file holding `bytes`; an existing database is never overwritten.
export async function importFile(name, bytes) {
  const root = await navigator.storage.getDirectory();
  const file = await root.getFileHandle(name, { create: true });
  const access = await file.createSyncAccessHandle({ mode: 'readwrite-unsafe' });
  try {
    if (access.getSize() > 0) throw new Error(`${name} already exists; delete it first to open bytes under that name`);
    access.write(bytes, { at: 0 });
    access.flush();
  } finally {
    access.close();
  }
}

// SQLite's lock levels, weakest first.
const LEVELS = ['none', 'shared', 'reserved', 'pending', 'exclusive'];
const rank = (level) => LEVELS.indexOf(level);

/**
 * The runtime's `file-locks` import over Web Locks. SQLite's byte-range protocol maps onto
 * three named locks per database file: "shared" (held in shared mode by readers, in
 * exclusive mode for EXCLUSIVE), "reserved" and "pending" (exclusive), each requested with
 * `ifAvailable` so a busy lock fails at once and SQLite's busy handler decides about waiting.
 * A terminated worker's locks are released by the browser, as a killed process's are.
 */
export class FileLock {
  #names;
  #held = new Map();
  #level = 'none';

  static open(path) {
    return new FileLock(path);
  }

  constructor(path) {
    const base = `sqlink:${path}`;
    this.#names = { shared: `${base}:shared`, reserved: `${base}:reserved`, pending: `${base}:pending` };
    openLocks.add(this);
  }

  // Take the named lock in `mode` if it is free now; false if not.
  #take(which, mode) {
    return new Promise((taken) => {
      const done = navigator.locks.request(this.#names[which], { mode, ifAvailable: true }, (lock) => {
        if (lock === null) {
          taken(false);
          return undefined;
        }
        return new Promise((release) => {
          this.#held.set(which, { release, done });
          taken(true);
        });
      });
    });
  }

  // Let go of the named lock, once the browser has released it.
  async #drop(which) {
    const held = this.#held.get(which);
    if (!held) return;
    this.#held.delete(which);
    held.release();
    await held.done;
  }

  #busy() {
    return { payload: { tag: 'busy', val: this.#level } };
  }

  async acquire(level) {
    if (rank(this.#level) >= rank(level)) return;
    if (level === 'shared') {
      // The pending lock, held for a moment, keeps new readers out while a writer waits.
      if (!(await this.#take('pending', 'shared'))) throw this.#busy();
      const shared = await this.#take('shared', 'shared');
      await this.#drop('pending');
      if (!shared) throw this.#busy();
      this.#level = 'shared';
      return;
    }
    if (level === 'reserved') {
      if (!(await this.#take('reserved', 'exclusive'))) throw this.#busy();
      this.#level = 'reserved';
      return;
    }
    if (rank(this.#level) < rank('pending')) {
      if (!(await this.#take('pending', 'exclusive'))) throw this.#busy();
      this.#level = 'pending';
    }
    if (level === 'exclusive') {
      // Web Locks cannot upgrade: trade the shared hold for an exclusive one. Holding
      // pending, no new reader can come in between.
      await this.#drop('shared');
      if (await this.#take('shared', 'exclusive')) {
        this.#level = 'exclusive';
        return;
      }
      if (!(await this.#take('shared', 'shared'))) throw { payload: { tag: 'io', val: 'the shared lock was lost' } };
      throw this.#busy();
    }
  }

  async release(level) {
    if (rank(this.#level) <= rank(level)) return;
    if (level === 'shared') {
      if (this.#level === 'exclusive') {
        await this.#drop('shared');
        if (!(await this.#take('shared', 'shared'))) throw { payload: { tag: 'io', val: 'the shared lock was lost' } };
      }
      await this.#drop('reserved');
      await this.#drop('pending');
      this.#level = 'shared';
      return;
    }
    await Promise.all([...this.#held.keys()].map((which) => this.#drop(which)));
    this.#level = 'none';
  }

  async reservedByAny() {
    if (rank(this.#level) > rank('shared')) return true;
    const { held } = await navigator.locks.query();
    return held.some((lock) => lock.name === this.#names.reserved);
  }

  [Symbol.dispose]() {
    openLocks.delete(this);
    for (const which of [...this.#held.keys()]) this.#drop(which);
    this.#level = 'none';
  }
}

/**
 * The runtime's `shared-memory` import in a page: workers of different tabs share no memory,
 * so there is no WAL index to share. `available()` says so, and the VFS then offers SQLite no
 * shared memory: `PRAGMA journal_mode=WAL` keeps the rollback journal, and a database in WAL
 * mode is refused with a message saying why. The methods are never called.
 */
export const sharedMemory = {
  available: () => false,
  WalIndex: class WalIndex {
    static open() {
      throw { payload: { tag: 'io', val: 'a page has no memory shared between processes' } };
    }
    map() {
      throw { payload: { tag: 'io', val: 'no shared memory' } };
    }
    sync() {
      throw { payload: { tag: 'io', val: 'no shared memory' } };
    }
    close() {}
  },
};
