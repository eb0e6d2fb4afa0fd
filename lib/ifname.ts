// SPDX-License-Identifier: Apache-2.0
/** Linux network interface names as the kernel accepts them (dev_valid_name). Pure. */

// 1 to 15 bytes, no "/", ":" or white space
const IFNAME = /^[^/:\s]{1,15}$/;

/** Why `name` cannot be a Linux interface name, or undefined when it can. */
export function interfaceNameProblem(name: string): string | undefined {
  return IFNAME.test(name) && name !== '.' && name !== '..' ? undefined : `"${name}" is not an interface name`;
}
