// SPDX-License-Identifier: Apache-2.0
/** The failover timeline as SVG: one lane per IP, each probe a tick coloured by the node that answered, red when it failed. Pure. */
import { lossText, type FailoverResult } from './failover.js';

const PALETTE = ['#4e79a7', '#59a14f', '#edc948', '#b07aa1', '#76b7b2', '#ff9da7', '#9c755f', '#bab0ac'];
const FAIL = '#e15759';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Colour per node name, stable across lanes. */
export function nodeColours(r: FailoverResult): Map<string, string> {
  const nodes = [...new Set(r.timeline.flatMap((l) => l.samples.filter(([, ok]) => ok).map(([, , n]) => n)))].sort();
  return new Map(nodes.map((n, i) => [n, PALETTE[i % PALETTE.length] ?? '#888']));
}

export function timelineSvg(r: FailoverResult): string {
  const labelW = 300;
  const plotW = 700;
  // Outage labels sit in their own column right of the plot, never over the probe ticks.
  const lossW = 150;
  const laneH = 22;
  const top = 40;
  const colours = nodeColours(r);
  const all = r.timeline.flatMap((l) => l.samples.map(([t]) => t));
  const t0 = Math.min(r.at - 1000, ...all);
  const t1 = Math.max(r.at + 1000, ...all);
  const x = (t: number): number => labelW + ((t - t0) / Math.max(1, t1 - t0)) * plotW;
  const height = top + r.timeline.length * laneH + 60;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + lossW + 20}" height="${height}" font-family="monospace" font-size="12">`,
    `<text x="${labelW + plotW + 10}" y="${top - 8}" fill="#555">lost</text>`,
    `<text x="10" y="20" font-size="14">Failover of ${esc(r.node)} (${esc(r.how)}): client probes every ${r.intervalMs} ms</text>`,
  ];
  r.timeline.forEach((lane, i) => {
    const y = top + i * laneH;
    const move = r.moves[i];
    out.push(`<text x="10" y="${y + 14}">${esc(lane.label)}</text>`);
    for (const [t, ok, n] of lane.samples) out.push(`<rect x="${x(t).toFixed(1)}" y="${y + 3}" width="2" height="${laneH - 6}" fill="${ok ? (colours.get(n) ?? '#888') : FAIL}"/>`);
    if (move) {
      const loss = lossText(move);
      out.push(`<text x="${labelW + plotW + 10}" y="${y + 14}"${loss === 'none' ? ' fill="#555"' : ` fill="${FAIL}"`}>${esc(loss)}</text>`);
    }
  });
  const fx = x(r.at).toFixed(1);
  const bottom = top + r.timeline.length * laneH;
  out.push(`<line x1="${fx}" y1="${top - 5}" x2="${fx}" y2="${bottom}" stroke="black" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${fx}" y="${bottom + 15}" text-anchor="middle">fault</text>`);
  let lx = labelW;
  for (const [n, c] of [...colours, ['failed', FAIL] as [string, string]]) {
    out.push(`<rect x="${lx}" y="${bottom + 30}" width="10" height="10" fill="${c}"/><text x="${lx + 14}" y="${bottom + 39}">${esc(n)}</text>`);
    lx += 20 + n.length * 8;
  }
  out.push(`<text x="${labelW}" y="${bottom + 55}" fill="#555">${((t1 - t0) / 1000).toFixed(1)} s shown</text>`, '</svg>');
  return out.join('\n') + '\n';
}
