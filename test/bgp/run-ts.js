// SPDX-License-Identifier: Apache-2.0
// Runs a TypeScript file with swc (as jest does), so namespace tests can start speakers without a build.
// Usage: node test/bgp/run-ts.js file.ts [args...]
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request.startsWith('.') && request.endsWith('.js') && parent && parent.filename) {
    const ts = path.resolve(path.dirname(parent.filename), request.slice(0, -3) + '.ts');
    if (fs.existsSync(ts)) return ts;
  }
  return resolve.call(this, request, parent, ...rest);
};
require.extensions['.ts'] = (m, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
  });
  m._compile(code, filename);
};
const file = path.resolve(process.argv[2]);
process.argv.splice(1, 2, file);
require(file);
