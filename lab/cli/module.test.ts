import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from './module.js';

describe('metallb-lab module arguments', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'module-cli-'));
  const kubeconfig = path.join(root, 'kubeconfig');
  beforeAll(() => {
    fs.mkdirSync(path.join(root, 'hooks'));
    fs.mkdirSync(path.join(root, '.cache/helm'), { recursive: true });
    for (const f of [kubeconfig, path.join(root, 'hooks/batch'), path.join(root, '.cache/helm/helm')]) fs.writeFileSync(f, '');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('defaults point into the module root; CRDs are ensured unless --no-crds', () => {
    expect(parseArgs(['--kubeconfig', kubeconfig, '--metrics-port=9650'], root)).toEqual({
      kubeconfig,
      moduleDir: root,
      hooks: path.join(root, 'hooks/batch'),
      helm: path.join(root, '.cache/helm/helm'),
      metricsPort: 9650,
      crdRoots: [root],
    });
    expect(parseArgs(['--kubeconfig', kubeconfig, '--no-crds'], root).crdRoots).toBeUndefined();
  });

  test.each([
    [[], '--kubeconfig is required'],
    [['--kubeconfig'], '--kubeconfig needs a value'],
    [['--kubeconfig', 'k', '--bogus', 'x'], 'unexpected argument "--bogus"'],
    [['--kubeconfig', 'k', '--metrics-port', '99999'], '--metrics-port must be 0..65535'],
    [['--kubeconfig', '/nonexistent/kubeconfig'], 'kubeconfig: /nonexistent/kubeconfig does not exist'],
  ])('%j is refused with a clear message', (args, msg) => {
    expect(() => parseArgs(args, root)).toThrow(msg);
  });
});
