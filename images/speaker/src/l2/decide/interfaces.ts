// SPDX-License-Identifier: Apache-2.0
/** Which interfaces may answer for a class. Pure. */
import * as yaml from 'js-yaml';

/** Interfaces never used for L2 announcements (the module's metallb-excludel2 list). */
export const EXCLUDED_INTERFACES: readonly RegExp[] = [
  /^docker/, /^cbr/, /^dummy/, /^virbr/, /^lxc/, /^veth/, /^lo$/, /^cali/, /^tunl/, /^flannel/, /^kube-ipvs/, /^cni/, /^nodelocaldns/, /^cilium_vxlan/,
];

export function isExcluded(name: string, excluded: readonly RegExp[] = EXCLUDED_INTERFACES): boolean {
  return excluded.some((r) => r.test(name));
}

/** The `announcedInterfacesToExclude` list of the metallb-excludel2 ConfigMap; throws naming what is wrong. */
export function parseExclusions(text: string): RegExp[] {
  const doc = yaml.load(text) as { announcedInterfacesToExclude?: unknown } | null;
  const list = doc?.announcedInterfacesToExclude;
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) throw new Error('announcedInterfacesToExclude must be a list of regular expressions');
  return list.map((x: string) => {
    try {
      return new RegExp(x);
    } catch (e) {
      throw new Error(`announcedInterfacesToExclude: "${x}": ${(e as Error).message}`, { cause: e });
    }
  });
}

/**
 * Whether `name` may answer for a class whose `spec.l2.interfaces` (the L2Advertisement
 * `interfaces`) is `allowed`; an empty list means every interface that is not excluded.
 */
export function interfaceAllowed(name: string, allowed: readonly string[], excluded: readonly RegExp[] = EXCLUDED_INTERFACES): boolean {
  if (isExcluded(name, excluded)) return false;
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
export function usableLinks(links: readonly LinkState[], excluded: readonly RegExp[] = EXCLUDED_INTERFACES): LinkState[] {
  return links.filter((l) => l.up && !l.enslaved && !l.noArp && !isExcluded(l.name, excluded) && l.mac !== '00:00:00:00:00:00');
}
