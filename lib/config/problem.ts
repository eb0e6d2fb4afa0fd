// SPDX-License-Identifier: Apache-2.0
/** What the config model says about an object it cannot use as written, or uses with a caveat. */

/** The kinds of object the config model reads. */
export type ConfigKind = 'IPAddressPool' | 'BGPPeer' | 'BGPAdvertisement' | 'L2Advertisement' | 'Community' | 'BFDProfile' | 'MetalLoadBalancerClass';

/** One problem of one object; the message starts with the field it is about, where there is one. */
export interface ConfigProblem {
  readonly kind: ConfigKind;
  readonly name: string;
  readonly message: string;
}

/** `Kind name: message`, as log lines and Events say it. */
export function problemText(p: ConfigProblem): string {
  return `${p.kind} ${p.name}: ${p.message}`;
}

/** `field: message` for each thrower that fails; the message alone where the field is empty. */
export function fieldProblems(checks: ReadonlyArray<readonly [string, () => unknown]>): string[] {
  const out: string[] = [];
  for (const [field, check] of checks) {
    try {
      check();
    } catch (e) {
      out.push(field ? `${field}: ${(e as Error).message}` : (e as Error).message);
    }
  }
  return out;
}
