// SPDX-License-Identifier: Apache-2.0
/** Which interfaces may answer for a class. Pure. */

/** Interfaces never used for L2 announcements (the module's metallb-excludel2 list). */
export const EXCLUDED_INTERFACES: readonly RegExp[] = [
  /^docker/, /^cbr/, /^dummy/, /^virbr/, /^lxc/, /^veth/, /^lo$/, /^cali/, /^tunl/, /^flannel/, /^kube-ipvs/, /^cni/, /^nodelocaldns/, /^cilium_vxlan/,
];

export function isExcluded(name: string): boolean {
  return EXCLUDED_INTERFACES.some((r) => r.test(name));
}

/**
 * Whether `name` may answer for a class whose `spec.l2.interfaces` (the L2Advertisement
 * `interfaces`) is `allowed`; an empty list means every interface that is not excluded.
 */
export function interfaceAllowed(name: string, allowed: readonly string[]): boolean {
  if (isExcluded(name)) return false;
  return allowed.length === 0 || allowed.includes(name);
}

/** A host interface as the scan sees it. */
export interface LinkState {
  readonly name: string;
  readonly mac: string;
  /** Administratively up with carrier (operstate up). */
  readonly up: boolean;
  /** Bond or bridge port: its master answers instead. */
  readonly enslaved: boolean;
  readonly noArp: boolean;
}

/** Interfaces the speaker may open at all. */
export function usableLinks(links: readonly LinkState[]): LinkState[] {
  return links.filter((l) => l.up && !l.enslaved && !l.noArp && !isExcluded(l.name) && l.mac !== '00:00:00:00:00:00');
}
