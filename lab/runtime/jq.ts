// SPDX-License-Identifier: Apache-2.0
/** Runs jq programs with the `jq` binary (shell-operator runs the same programs with gojq). */
import { execFileSync } from 'node:child_process';
import { parseJsonStream } from '../../lib/hook-sdk/json-stream.js';

/** Applies `filter` to each input; an input with no output gets null (one result per input). */
export function jqEach(filter: string, inputs: readonly unknown[]): unknown[] {
  if (inputs.length === 0) return [];
  const out = execFileSync('jq', ['-c', `.[] | ([${filter}] | .[0])`], { input: JSON.stringify(inputs), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const res = parseJsonStream(out);
  if (res.length !== inputs.length) throw new Error(`jq filter ${JSON.stringify(filter)} gave ${res.length} results for ${inputs.length} objects`);
  return res;
}

/** Runs a jq program on one value (JQPatch); exactly one output expected. */
export function jqOne(program: string, input: unknown): unknown {
  const out = execFileSync('jq', ['-c', program], { input: JSON.stringify(input), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  const res = parseJsonStream(out);
  if (res.length !== 1) throw new Error(`jq program ${JSON.stringify(program)} gave ${res.length} results, want 1`);
  return res[0];
}
