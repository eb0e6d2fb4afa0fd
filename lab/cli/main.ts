// SPDX-License-Identifier: Apache-2.0
/** metallb-lab: the virtual bare-metal lab. */
const cmd = process.argv[2] ?? 'help';
switch (cmd) {
  case 'up':
  case 'status':
  case 'failover':
  case 'chaos':
    console.log(`metallb-lab ${cmd}: the lab is not built yet.`);
    break;
  case 'down':
    console.log('metallb-lab down: nothing to take down.');
    break;
  default:
    console.log('usage: metallb-lab up|down|status [--json]|failover <node>|chaos --minutes M|apiserver|module');
}
