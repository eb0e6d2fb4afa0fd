// SPDX-License-Identifier: Apache-2.0
/** Runs jq programs with the `jq` binary (shell-operator runs the same programs with gojq). */
import { execFileSync, spawn } from 'node:child_process';
import { parseJsonStream } from '../../lib/hook-sdk/json-stream.js';

const eachProgram = (filter: string): string => `.[] | ([${filter}] | .[0])`;

function eachResults(filter: string, inputs: readonly unknown[], out: string): unknown[] {
  const res = parseJsonStream(out);
  if (res.length !== inputs.length) throw new Error(`jq filter ${JSON.stringify(filter)} gave ${res.length} results for ${inputs.length} objects`);
  return res;
}

/** Applies `filter` to each input; an input with no output gets null (one result per input). */
export function jqEach(filter: string, inputs: readonly unknown[]): unknown[] {
  if (inputs.length === 0) return [];
  const out = execFileSync('jq', ['-c', eachProgram(filter)], { input: JSON.stringify(inputs), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  return eachResults(filter, inputs, out);
}

/** `jqEach` without blocking: one jq process for the whole batch. */
export function jqEachAsync(filter: string, inputs: readonly unknown[]): Promise<unknown[]> {
  if (inputs.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const p = spawn('jq', ['-c', eachProgram(filter)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', reject);
    p.stdin.on('error', () => {}); // jq exited early: its status says why
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`jq filter ${JSON.stringify(filter)} failed (exit ${code}): ${Buffer.concat(err).toString('utf8').trim()}`));
      try {
        resolve(eachResults(filter, inputs, Buffer.concat(out).toString('utf8')));
      } catch (e) {
        reject(e as Error);
      }
    });
    p.stdin.end(JSON.stringify(inputs));
  });
}

/** Runs a jq program on one value (JQPatch); exactly one output expected. */
export function jqOne(program: string, input: unknown): unknown {
  const out = execFileSync('jq', ['-c', program], { input: JSON.stringify(input), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  const res = parseJsonStream(out);
  if (res.length !== 1) throw new Error(`jq program ${JSON.stringify(program)} gave ${res.length} results, want 1`);
  return res[0];
}
