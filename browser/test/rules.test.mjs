// The page's rules against rules/cases.json, the cases the Rust hosts' rules are tested
// against (rules/tests/cases.rs): the same extension gets the same message everywhere.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { checkConflicts, checkExports, checkMetadata, panicMessage, withheldNote } from '../src/rules.js';

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
