// The demo page: a REPL over one in-memory database, with the native shell's dot commands,
// and a drop zone that loads extension components from local files.

import { openDatabase, jspiSupported, JSPI_MISSING } from './sqlink.js';

const status = document.getElementById('status');
const output = document.getElementById('output');
const form = document.getElementById('repl');
const input = document.getElementById('line');
const prompt = document.getElementById('prompt');
const drop = document.getElementById('drop');
const picker = document.getElementById('file');
const download = document.getElementById('download');
const stop = document.getElementById('stop');
const openFile = document.getElementById('open-db');

function print(text, kind) {
  if (!text) return;
  const span = document.createElement('span');
  if (kind) span.className = kind;
  span.textContent = text.endsWith('\n') ? text : `${text}\n`;
  output.append(span);
  output.scrollTop = output.scrollHeight;
}

// REPL output mixes rows and "Error: ..." lines; colour the errors.
function printOutput(text) {
  for (const line of text.split(/(?<=\n)/)) print(line, line.startsWith('Error: ') ? 'error' : undefined);
}

function fail(message) {
  status.textContent = message;
  status.className = 'error';
}

// `?timeout=SECONDS` limits one extension call, as sqlink's --timeout does.
const timeout = Number(new URLSearchParams(location.search).get('timeout'));
const options = timeout > 0 ? { callTimeoutMs: timeout * 1000 } : {};

async function main() {
  if (!jspiSupported()) return fail(JSPI_MISSING);
  let db = await openDatabase(options);

  // A stopped extension call closes its database; the REPL carries on with a new one.
  async function reopenIfClosed() {
    if (db.closedReason === null) return;
    db = await openDatabase(options);
    print('A new in-memory database is open.');
  }
  const history = [];
  let recalled = 0;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const line = input.value;
    input.value = '';
    if (line.trim()) history.push(line);
    recalled = history.length;
    print(`${prompt.textContent} ${line}`, 'input');
    input.disabled = true;
    stop.disabled = !globalThis.crossOriginIsolated;
    try {
      const result = await db.evalLine(line);
      printOutput(result.output);
      prompt.textContent = result.pending ? '   ...>' : 'sqlink>';
      if (result.quit) {
        await db.close();
        status.textContent = 'Session closed. Reload the page to start again.';
        return;
      }
    } catch (error) {
      print(`Error: ${error.message}`, 'error');
      await reopenIfClosed();
    }
    stop.disabled = true;
    input.disabled = false;
    input.focus();
  });
  // Stop interrupts the running statement, as Ctrl-C does in the shell.
  stop.addEventListener('click', () => db.interrupt());

  // The database as a file the user keeps, and a file the user has opened in its place.
  download.addEventListener('click', async () => {
    try {
      const bytes = await db.exportBytes();
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([bytes], { type: 'application/vnd.sqlite3' }));
      link.download = 'sqlink.db';
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (error) {
      print(`Error: ${error.message}`, 'error');
    }
  });
  openFile.addEventListener('change', async () => {
    const [file] = openFile.files;
    if (!file) return;
    try {
      const opened = await openDatabase({ ...options, bytes: new Uint8Array(await file.arrayBuffer()) });
      await db.close();
      db = opened;
      print(`Opened ${file.name} (in memory; download to keep changes).`);
    } catch (error) {
      print(`Error: cannot open ${file.name}: ${error.message}`, 'error');
    }
    openFile.value = '';
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowUp' && recalled > 0) input.value = history[--recalled];
    else if (event.key === 'ArrowDown' && recalled < history.length) input.value = history[++recalled] ?? '';
    else return;
    event.preventDefault();
  });

  async function loadFile(file) {
    print(`.load ${file.name}`, 'input');
    try {
      const info = await db.loadExtension(new Uint8Array(await file.arrayBuffer()));
      const names = [...info.scalars, ...info.aggregates, ...info.collations, ...info.tableFunctions].map((f) => f.name);
      print(`loaded ${info.name} ${info.version}: ${names.join(', ')}`);
    } catch (error) {
      print(`Error: ${error.message}`, 'error');
      await reopenIfClosed();
    }
  }
  picker.addEventListener('change', () => [...picker.files].forEach(loadFile));
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    [...event.dataTransfer.files].forEach(loadFile);
  });

  const [{ rows }] = await db.exec('SELECT sqlite_version()');
  print(`SQLite ${rows[0][0]} in WebAssembly. Enter ".help" for usage hints.`);
  status.textContent = 'Ready.';
  status.dataset.ready = 'true';
  input.disabled = false;
  input.focus();
}

main().catch((error) => fail(`sqlink could not start: ${error.message}`));
