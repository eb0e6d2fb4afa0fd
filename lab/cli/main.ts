// SPDX-License-Identifier: Apache-2.0
/**
 * metallb-lab: the virtual bare-metal lab and its parts.
 * Each subcommand lives in lab/cli/<name>.ts and exports `main(args: string[]): Promise<void>`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const USAGE = `usage: metallb-lab <command> [args]
  up | down | status [--json] | failover <node> | chaos --minutes M   the lab
  upgrade [--version V]                                                the next release rolled out while clients hold connections
  apiserver --port P --kubeconfig FILE [--data FILE]                   the embedded Kubernetes API server
  module --kubeconfig FILE                                             the module runtime (hooks -> helm -> apply)`;

async function run(): Promise<void> {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd || cmd === 'help' || cmd === '--help' || !/^[a-z-]+$/.test(cmd)) {
    console.log(USAGE);
    return;
  }
  const file = path.join(__dirname, `${cmd}.js`);
  if (!fs.existsSync(file)) {
    console.log(`metallb-lab ${cmd}: not built yet.`);
    process.exitCode = cmd === 'down' ? 0 : 2;
    return;
  }
  const mod = (await import(file)) as { main(args: string[]): Promise<void> };
  await mod.main(args);
}

run().catch((e: unknown) => {
  console.error(`metallb-lab: ${(e as Error).message}`);
  process.exitCode = 1;
});
