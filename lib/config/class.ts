// SPDX-License-Identifier: Apache-2.0
/** Deckhouse MetalLoadBalancerClasses: what keeps one from being used as written. Pure. */
import { interfaceNameProblem } from '../ifname.js';
import { parsePoolEntries } from '../ip.js';
import { requirement } from '../selector.js';
import { fieldProblems } from './problem.js';

/** A Pod toleration, as a class writes it for its speakers. */
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

/** The settings of a MetalLoadBalancerClass that decide where and what it announces. */
export interface ClassSettings {
  name: string;
  addressPool: string[];
  interfaces: string[];
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
}

/** A class as the model's memory keys it: by name, one object per uid. */
export interface VersionedClass<C extends ClassSettings = ClassSettings> {
  metadata: { name: string; uid?: string; resourceVersion?: string };
  info: C;
}

export const versionedClass = <C extends ClassSettings>(c: C & { uid?: string; resourceVersion?: string }): VersionedClass<C> => ({
  metadata: { name: c.name, ...(c.uid ? { uid: c.uid } : {}), ...(c.resourceVersion ? { resourceVersion: c.resourceVersion } : {}) },
  info: c,
});

/** The message of the first check that throws, if any. */
function firstError(...checks: Array<() => unknown>): string | undefined {
  return fieldProblems(checks.map((c) => ['', c] as const))[0];
}

function tolerationProblem(t: Toleration): string | undefined {
  const op = t.operator || 'Equal';
  if (t.key) {
    const bad = firstError(() => requirement(t.key as string, 'Exists'));
    if (bad) return bad;
  } else if (op !== 'Exists') return 'operator must be Exists when key is empty';
  if (op === 'Exists' && t.value) return 'value must be empty when operator is Exists';
  if (op === 'Equal' && t.value) return firstError(() => requirement(t.key || 'key', '=', [t.value as string]));
  return undefined;
}

/** Every problem that keeps the class from being used as written, each naming its field. */
export function classProblems(c: ClassSettings): string[] {
  const problems = fieldProblems([
    ['addressPool', () => parsePoolEntries(c.addressPool)],
    ...Object.entries(c.nodeSelector).map(([k, v]) => ['nodeSelector', () => requirement(k, '=', [v])] as const),
  ]);
  for (const i of c.interfaces) {
    const p = interfaceNameProblem(i);
    if (p) problems.push(`l2.interfaces: ${p}`);
  }
  c.tolerations.forEach((t, i) => {
    const p = tolerationProblem(t);
    if (p) problems.push(`tolerations[${i}]: ${p}`);
  });
  return problems;
}

/** Throws an Error naming every problem that keeps the class from being used as written. */
export function checkClass(c: ClassSettings): void {
  const problems = classProblems(c);
  if (problems.length) throw new Error(`MetalLoadBalancerClass "${c.name}": ${problems.join('; ')}`);
}
