// SPDX-License-Identifier: Apache-2.0
/** `make bench`: runs every bench/*.bench.js (or those named on the command line) and writes bench/out/results.json. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Bench, BenchResult } from './result.js';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.bench.js')).filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)));
  const all: BenchResult[] = [];
  let failed = 0;
  for (const f of files.sort()) {
    console.log(`== ${f.replace('.bench.js', '')}`);
    try {
      const mod = (await import(path.join(__dirname, f))) as { run: Bench };
      for (const r of await mod.run()) {
        all.push(r);
        const s = r.samples ? ` (min ${fmt(r.samples.min)} / median ${fmt(r.samples.median)} / max ${fmt(r.samples.max)}, n=${r.samples.n})` : '';
        console.log(`${r.name}: ${fmt(r.value)} ${r.unit} vs ${fmt(r.reference)} ${r.unit}${r.referenceName ? ` (${r.referenceName})` : ''} = ${fmt(r.ratio)}x${s}`);
      }
    } catch (e) {
      failed++;
      console.error(`${f} failed: ${(e as Error).stack ?? String(e)}`);
    }
  }
  const out = path.resolve(__dirname, '../../bench/out');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(all, null, 2) + '\n');
  console.log(`wrote ${all.length} figures to bench/out/results.json`);
  if (failed) process.exitCode = 1;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

void main();
