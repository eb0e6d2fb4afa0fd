// SPDX-License-Identifier: Apache-2.0
/** Runs jq programs with the `jq` binary (shell-operator runs the same programs with gojq). */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
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

/** One input's result: the filter's first output (null when none), or why the filter failed on it. */
export type JqResult = { ok: unknown } | { err: string };

/**
 * A filter kept running in one jq process, as shell-operator keeps its compiled gojq filters: inputs go in one JSON
 * per line, each gives exactly one line back (its result or its error), so no process starts per change.
 */
interface JqProcess {
  p: ChildProcessWithoutNullStreams;
  /** Inputs written and not answered yet, oldest first. */
  waiting: { resolve: (r: JqResult) => void; reject: (e: Error) => void }[];
}

export class JqFilter {
  #proc: JqProcess | undefined;

  constructor(readonly filter: string) {}

  /** The result of each input, in order. */
  run(inputs: readonly unknown[]): Promise<JqResult[]> {
    if (inputs.length === 0) return Promise.resolve([]);
    const { p, waiting } = this.#start();
    const all = inputs.map(() => new Promise<JqResult>((resolve, reject) => waiting.push({ resolve, reject })));
    p.stdin.write(inputs.map((i) => JSON.stringify(i)).join('\n') + '\n');
    return Promise.all(all);
  }

  close(): void {
    this.#proc?.p.stdin.end();
    this.#proc = undefined;
  }

  #start(): JqProcess {
    if (this.#proc) return this.#proc;
    const p = spawn('jq', ['-c', '--unbuffered', `try ([${this.filter}] | {ok: .[0]}) catch {err: .}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    const proc: JqProcess = { p, waiting: [] };
    this.#proc = proc;
    let buf = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const r = JSON.parse(buf.slice(0, nl)) as { ok?: unknown; err?: unknown };
        buf = buf.slice(nl + 1);
        proc.waiting.shift()?.resolve('err' in r ? { err: typeof r.err === 'string' ? r.err : JSON.stringify(r.err) } : { ok: r.ok ?? null });
      }
    });
    p.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    p.stdin.on('error', () => {}); // jq exited: 'close' says why
    const gone = (why: string): void => {
      if (this.#proc === proc) this.#proc = undefined;
      for (const w of proc.waiting.splice(0)) w.reject(new Error(`jq filter ${JSON.stringify(this.filter)} ${why}${stderr ? `: ${stderr.trim()}` : ''}`));
    };
    p.on('error', (e) => gone(`cannot run: ${e.message}`));
    p.on('close', (code) => gone(`exited ${code}`));
    return proc;
  }
}

/** Runs a jq program on one value (JQPatch); exactly one output expected. */
export function jqOne(program: string, input: unknown): unknown {
  const out = execFileSync('jq', ['-c', program], { input: JSON.stringify(input), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  const res = parseJsonStream(out);
  if (res.length !== 1) throw new Error(`jq program ${JSON.stringify(program)} gave ${res.length} results, want 1`);
  return res[0];
}
