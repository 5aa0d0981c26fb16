// The rules every sqlink host applies to an extension, as the page applies them: the same
// as the Rust crate `sqlink-rules` (rules/src/metadata.rs, conflicts.rs, panic.rs,
// withheld.rs and collation.rs), which the other hosts use. rules/cases.json holds the cases both are tested
// against, message for message (browser/test/rules.test.mjs here, rules/tests/cases.rs there).

const isIdentifier = (name) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);

/**
 * Throws unless the extension's metadata is what a host can rely on: names SQLite accepts,
 * arities it accepts, no signature declared twice (names compare without regard to ASCII
 * case), ids unique per kind, table functions with at least one column and distinct column
 * and parameter names, modules named apart from the table functions (both are SQLite
 * modules) with identifier shadow-table suffixes. Checked in this order, so the first
 * problem is the one named.
 */
export function checkMetadata(info) {
  const refuse = (message) => {
    throw new Error(`${info.name}: ${message}`);
  };
  if (!isIdentifier(info.name)) throw new Error(`the extension's name ${JSON.stringify(info.name)} is not a valid identifier`);
  const signatures = new Set();
  const ids = new Set();
  const functions = [
    ...(info.scalars ?? []).map((f) => [f, 'scalar']),
    ...(info.aggregates ?? []).map((f) => [f, 'aggregate']),
    ...(info.collations ?? []).map((f) => [{ ...f, arity: 0 }, 'collation']),
  ];
  for (const [{ name, arity, id }, kind] of functions) {
    if (!isIdentifier(name)) refuse(`function name ${JSON.stringify(name)} is not a valid identifier`);
    if (arity < -1 || arity > 127) refuse(`${name} has arity ${arity}, outside -1..=127`);
    const signature = kind === 'collation' ? `collation ${name.toLowerCase()}` : `${name.toLowerCase()}/${arity}`;
    if (signatures.has(signature)) refuse(`${name} is declared twice`);
    signatures.add(signature);
    if (ids.has(`${kind} ${id}`)) refuse(`${kind} id ${id} is used twice`);
    ids.add(`${kind} ${id}`);
  }
  for (const { id, name, columns, parameters } of info.tableFunctions ?? []) {
    if (!isIdentifier(name)) refuse(`table function name ${JSON.stringify(name)} is not a valid identifier`);
    if (signatures.has(`table ${name.toLowerCase()}`)) refuse(`table function ${name} is declared twice`);
    signatures.add(`table ${name.toLowerCase()}`);
    if (ids.has(`table ${id}`)) refuse(`table function id ${id} is used twice`);
    ids.add(`table ${id}`);
    if (columns.length === 0) refuse(`table function ${name} has no columns`);
    const names = new Set();
    for (const column of [...columns, ...parameters]) {
      if (!isIdentifier(column)) refuse(`${name}: column or parameter ${JSON.stringify(column)} is not a valid identifier`);
      if (names.has(column.toLowerCase())) refuse(`${name}: ${column} names two columns or parameters`);
      names.add(column.toLowerCase());
    }
  }
  for (const { id, name, shadowNames } of info.modules ?? []) {
    if (!isIdentifier(name)) refuse(`module name ${JSON.stringify(name)} is not a valid identifier`);
    if (signatures.has(`table ${name.toLowerCase()}`)) refuse(`module ${name} is declared twice`);
    signatures.add(`table ${name.toLowerCase()}`);
    if (ids.has(`module ${id}`)) refuse(`module id ${id} is used twice`);
    ids.add(`module ${id}`);
    const shadow = (shadowNames ?? []).find((suffix) => !isIdentifier(suffix));
    if (shadow !== undefined) refuse(`${name}: shadow table suffix ${JSON.stringify(shadow)} is not a valid identifier`);
  }
}

/** True when the extension asks for any connection hook (`hooks` is jco's flags object). */
const asksForHooks = (info) => Object.values(info.hooks ?? {}).some(Boolean);

// What an extension that declares each kind must also export (the contract's interface
// without its version), and how messages call what it declared.
const INTERFACES = [
  ['aggregates', 'sqlite:extension/aggregate-function', 'aggregates'],
  ['collations', 'sqlite:extension/collation', 'collations'],
  ['tableFunctions', 'sqlite:extension/table-function', 'table functions'],
  ['modules', 'sqlite:extension/virtual-table', 'modules'],
];

/** Throws unless the extension exports the interface of each kind it declares any of. */
export function checkExports(info, exports) {
  for (const [field, iface, declared] of INTERFACES) {
    if ((info[field] ?? []).length > 0 && !exports(iface)) throw new Error(`${info.name} declares ${declared} but does not export ${iface}`);
  }
  if (asksForHooks(info) && !exports('sqlite:extension/hooks')) throw new Error(`${info.name} declares hooks but does not export sqlite:extension/hooks`);
}

/**
 * Throws unless `info` may join the extensions `loaded` on one connection: one extension of
 * a name, and each function (name and arity), collation, table function and module from at
 * most one extension, names compared without regard to ASCII case (rules/src/conflicts.rs).
 */
export function checkConflicts(info, loaded) {
  const wanted = provided(info);
  for (const other of loaded) {
    if (other.name === info.name) throw new Error(`${info.name} is already loaded`);
    const taken = new Set(provided(other).map(([key]) => key));
    const clash = wanted.find(([key]) => taken.has(key));
    if (clash) throw new Error(`${clash[1]} is already provided by ${other.name}`);
  }
}

/** Each function name and arity, collation, table function and module: [key compared, as shown]. */
function provided(info) {
  return [
    ...[...(info.scalars ?? []), ...(info.aggregates ?? [])].map((f) => [
      `${f.name.toLowerCase()}/${f.arity}`,
      `${f.name}(${f.arity < 0 ? '...' : f.arity})`,
    ]),
    ...(info.collations ?? []).map((c) => [`collation ${c.name.toLowerCase()}`, `collation ${c.name}`]),
    ...(info.tableFunctions ?? []).map((t) => [`table ${t.name.toLowerCase()}`, `table function ${t.name}`]),
    ...(info.modules ?? []).map((m) => [`table ${m.name.toLowerCase()}`, `module ${m.name}`]),
  ];
}

/**
 * The message of a Rust panic an extension printed to stderr before trapping, if any: the
 * line after "thread '…' panicked at FILE:LINE:COL:", or that line itself when the next is
 * empty or only the backtrace note.
 */
export function panicMessage(stderr) {
  const lines = stderr.split(/\r?\n/);
  const at = lines.findIndex((line) => line.includes('panicked at'));
  if (at < 0) return null;
  const next = lines[at + 1]?.trim();
  return next && !next.startsWith('note:') ? next : lines[at].trim();
}

/**
 * The note a failing call's error gets when the call asked for what the sandbox withheld,
 * or null. `grants` names the host's flags ({ dir, env }); null is the page, which has none.
 */
export function withheldNote({ files, environment }, grants) {
  const notes = [];
  if (files) {
    notes.push(grants ? `it looked for files, but no directory is granted: ${grants.dir} grants one` : 'it looked for files, and extensions get none in the page');
  }
  if (environment) {
    notes.push(grants ? `it read the environment, which is empty without ${grants.env}` : 'it read the environment, which extensions do not get in the page');
  }
  return notes.length === 0 ? null : notes.join('; ');
}

/**
 * The released versions of sqlite:extension, oldest first (rules/src/contract.rs): every host
 * loads each; the last is the newest. A released version never changes.
 */
export const CONTRACT_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.4.0', '0.5.0'];

const CONTRACT = 'sqlite:extension';
const METADATA = `${CONTRACT}/metadata`;

/**
 * The contract version a component exporting `exports` (its top-level export names) was built
 * against: that of its sqlite:extension/metadata export, the newest known one should it export
 * several. Throws when it exports none, or only versions this page does not know.
 */
export function contractVersion(exports) {
  let newest = -1;
  let unknown = null;
  for (const name of exports) {
    if (!name.startsWith(METADATA)) continue;
    const rest = name.slice(METADATA.length);
    let version;
    if (rest === '') version = '';
    else if (rest.startsWith('@')) version = rest.slice(1);
    else continue;
    const index = CONTRACT_VERSIONS.indexOf(version);
    if (index >= 0) newest = Math.max(newest, index);
    else unknown ??= version;
  }
  if (newest >= 0) return CONTRACT_VERSIONS[newest];
  if (unknown !== null) {
    const built = unknown === '' ? `an unversioned ${CONTRACT}` : `${CONTRACT}@${unknown}`;
    throw new Error(`it was built against ${built}, which this host does not load (it loads ${CONTRACT} ${CONTRACT_VERSIONS.join(', ')}); a newer sqlink may`);
  }
  throw new Error(`not a sqlite extension: it does not export ${METADATA}`);
}

/** The contract's interfaces, in the order listings show them (rules/src/contract.rs). */
const CONTRACT_INTERFACES = [
  'metadata', 'scalar-function', 'scalar-by-arity', 'aggregate-function', 'collation', 'table-function', 'virtual-table', 'hooks', 'dynamic-function',
];

/**
 * The contract's interfaces of `version` among `exports`, as short names ("metadata"), in the
 * order of CONTRACT_INTERFACES (others after them, as exported).
 */
export function contractInterfaces(exports, version) {
  const prefix = `${CONTRACT}/`;
  const suffix = `@${version}`;
  const rank = (name) => (CONTRACT_INTERFACES.includes(name) ? CONTRACT_INTERFACES.indexOf(name) : CONTRACT_INTERFACES.length);
  return exports
    .filter((name) => name.startsWith(prefix) && name.endsWith(suffix))
    .map((name) => name.slice(prefix.length, -suffix.length))
    .sort((a, b) => rank(a) - rank(b));
}

/**
 * How a collation whose extension is gone (unloaded while a statement that uses it runs)
 * compares two texts, as their UTF-8 bytes `a` and `b`: as SQLite's BINARY, -1, 0 or 1, never
 * "equal" for different texts (every row would sort the same).
 */
export function compareUnloaded(a, b) {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return Math.sign(a.length - b.length);
}
