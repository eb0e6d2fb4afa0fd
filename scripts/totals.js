#!/usr/bin/env node
// Prints the CI totals line "N passed, N failed, N skipped" from jest's JSON results.
// A suite that failed before running its tests (a load or type error) counts as one failure.
'use strict';
const fs = require('fs');
const file = process.argv[2];
if (!file || !fs.existsSync(file)) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
const brokenSuites = r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
const passed = r.numPassedTests;
const failed = r.numFailedTests + brokenSuites;
const skipped = r.numPendingTests + r.numTodoTests;
for (const s of r.testResults) {
  for (const a of s.assertionResults) if (a.status === 'pending') console.log(`skipped: ${a.fullName}`);
  if (s.status === 'failed' && s.assertionResults.length === 0) console.log(`broken suite: ${s.name}\n${(s.message || '').slice(0, 2000)}`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
