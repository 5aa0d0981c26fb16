/** A SQL value: INTEGER as number (BigInt beyond 2^53), REAL, TEXT, BLOB, NULL. */
export type SqlValue = number | bigint | string | Uint8Array | null;

/** The rows of one statement. */
export interface StatementResult {
  columns: string[];
  rows: SqlValue[][];
}

/** What one line of REPL input printed. */
export interface LineResult {
  /** The REPL's text, errors included as "Error: ..." lines. */
  output: string;
  /** The line ended inside an unfinished statement; the next line continues it. */
  pending: boolean;
  /** The line was `.quit` or `.exit`. */
  quit: boolean;
}

export interface FunctionInfo {
  id: number;
  name: string;
  arity: number;
  flags: { deterministic?: boolean; directOnly?: boolean; innocuous?: boolean };
  doc: string;
}

/** An extension's metadata, as its `metadata.describe` returns it. */
export interface ExtensionInfo {
  name: string;
  version: string;
  scalars: FunctionInfo[];
  aggregates: (FunctionInfo & { window: boolean })[];
  collations: { id: number; name: string; doc: string }[];
  /** Used as tables: `SELECT * FROM name(parameters...)` gives rows of `columns`. */
  tableFunctions: { id: number; name: string; columns: string[]; parameters: string[]; doc: string }[];
}

export declare const BUNDLED_EXTENSIONS: string[];
export declare const JSPI_MISSING: string;

/** True when WebAssembly JSPI (Suspending / promising) is available. */
export declare function jspiSupported(): boolean;

/**
 * Open a database in its own worker: in memory, or with `path` a database file in the origin
 * private file system (OPFS), written page by page under SQLite's rollback journal and
 * shared safely with other pages of the origin that open the same path. `bytes` starts
 * from a database file image (in memory, or as a new file at `path`). An extension call
 * running past `callTimeoutMs` stops and closes the database (in a cross-origin isolated
 * page). Rejects with {@link JSPI_MISSING} when JSPI is missing.
 */
export declare function openDatabase(options?: {
  path?: string;
  bytes?: Uint8Array | ArrayBuffer;
  callTimeoutMs?: number;
}): Promise<Database>;

/** The database files in this origin's private file system, by name. */
export declare function listDatabases(): Promise<string[]>;

/** Delete a database file and its journal from OPFS; rejects while a page has it open. */
export declare function deleteDatabase(path: string): Promise<void>;

/** How long one extension call may run before its database is stopped (5000 ms). */
export declare const DEFAULT_CALL_TIMEOUT_MS: number;

export declare class Database {
  /** The OPFS file name, or null in memory. */
  readonly path: string | null;
  /** Null while open; otherwise why the database was closed. */
  readonly closedReason: string | null;
  /** Run every statement of `sql`; rejects with SQLite's message on the first failure. */
  exec(sql: string): Promise<StatementResult[]>;
  /** One line of REPL input, with the native shell's dot commands. */
  evalLine(line: string): Promise<LineResult>;
  /**
   * Load an extension: bundled name (uuid, md5, snake, stats, regexp), URL, or component
   * bytes. Names of SQLite's own functions are refused unless `override` is true.
   */
  loadExtension(source: string | URL | ArrayBuffer | Uint8Array, options?: { override?: boolean }): Promise<ExtensionInfo>;
  /**
   * Interrupt the running statement (its call rejects with "interrupted"; the database
   * stays open). Needs a cross-origin isolated page.
   */
  interrupt(): void;
  /** The database as the bytes of a database file (a consistent snapshot). */
  exportBytes(): Promise<Uint8Array>;
  /** Close this database; later calls reject. Other databases are not affected. */
  close(): Promise<void>;
}
