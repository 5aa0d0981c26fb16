// The page's rules against rules/cases.json, the cases the Rust hosts' rules are tested
// against (rules/tests/cases.rs): the same extension gets the same message everywhere.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  CONTRACT_VERSIONS,
  checkConflicts,
  checkExports,
  checkMetadata,
  compareUnloaded,
  contractInterfaces,
  contractVersion,
  panicMessage,
  withheldNote,
} from '../src/rules.js';

const cases = JSON.parse(readFileSync(new URL('../../rules/cases.json', import.meta.url), 'utf8'));

test('metadata cases give their messages', () => {
  for (const { info, exports, error } of cases.metadata) {
    let got = null;
    try {
      checkMetadata(info);
      checkExports(info, (iface) => exports?.includes(iface) ?? true);
    } catch (e) {
      got = e.message;
    }
    assert.equal(got, error, `case ${JSON.stringify(info)}`);
  }
});

test('panic cases give their messages', () => {
  for (const { stderr, message } of cases.panic) assert.equal(panicMessage(stderr), message, `case ${JSON.stringify(stderr)}`);
});

test('withheld cases give their notes', () => {
  for (const { files, environment, grants, note } of cases.withheld) {
    assert.equal(withheldNote({ files, environment }, grants), note, `case ${JSON.stringify({ files, environment, grants })}`);
  }
});

test('conflict cases give their messages', () => {
  for (const { loaded, new: info, error } of cases.conflicts) {
    let got = null;
    try {
      checkConflicts(info, loaded);
    } catch (e) {
      got = e.message;
    }
    assert.equal(got, error, `case ${JSON.stringify({ loaded, info })}`);
  }
});

test('the released contract versions are the cases versions', () => {
  assert.deepEqual(CONTRACT_VERSIONS, cases.versions);
});

test('contract cases give their versions and messages', () => {
  for (const { exports, version, error } of cases.contract) {
    let got = null;
    let message = null;
    try {
      got = contractVersion(exports);
    } catch (e) {
      message = e.message;
    }
    assert.equal(got, version, `case ${JSON.stringify(exports)}`);
    assert.equal(message, error, `case ${JSON.stringify(exports)}`);
  }
  const exports = ['sqlite:extension/metadata@0.1.0', 'wasi:cli/run@0.2.0', 'sqlite:extension/collation@0.1.0'];
  assert.deepEqual(contractInterfaces(exports, '0.1.0'), ['metadata', 'collation']);
  const shuffled = ['sqlite:extension/later@0.2.0', 'sqlite:extension/collation@0.2.0', 'sqlite:extension/metadata@0.2.0'];
  assert.deepEqual(contractInterfaces(shuffled, '0.2.0'), ['metadata', 'collation', 'later']);
});

test('a collation whose extension is gone orders texts as BINARY', () => {
  const utf8 = (text) => new TextEncoder().encode(text);
  for (const { a, b, order } of cases.collation) assert.equal(compareUnloaded(utf8(a), utf8(b)), order, `case ${JSON.stringify({ a, b })}`);
});
