// SPDX-License-Identifier: Apache-2.0
/** kubectl logs against the lab's API server: the container's log file as the node agent writes it. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { useApiServer } from '../helpers/apiserver.js';

const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-logs-'));
const api = useApiServer({ podLogDir: logs });

afterAll(() => fs.rmSync(logs, { recursive: true, force: true }));

describe('kubectl logs', () => {
  test('whole, tailed, a container named among several, and a clear error before the container runs', async () => {
    await api.kubectlOk(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: two, namespace: default}\nspec: {containers: [{name: a, image: x}, {name: b, image: x}]}\n');
    const uid = (await api.kubectlOk(['get', 'pod', 'two', '-o', 'jsonpath={.metadata.uid}'])).trim();
    fs.mkdirSync(path.join(logs, `default_two_${uid}`));
    fs.writeFileSync(path.join(logs, `default_two_${uid}`, 'a.log'), 'one\ntwo\nthree\n');
    expect(await api.kubectlOk(['logs', 'two', '-c', 'a'])).toBe('one\ntwo\nthree\n');
    expect(await api.kubectlOk(['logs', 'two', '-c', 'a', '--tail=2'])).toBe('two\nthree\n');
    expect(await api.kubectl(['logs', 'two'])).toMatchObject({ out: 'one\ntwo\nthree\n', err: expect.stringContaining('Defaulted container "a" out of: a, b') as string });
    expect((await api.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/two/log'])).err).toContain('a container name must be specified for pod two, choose one of: [a b]');
    expect((await api.kubectl(['logs', 'two', '-c', 'b'])).err).toContain('container "b" in pod "two" is waiting to start: ContainerCreating');
    expect((await api.kubectl(['logs', 'two', '-c', 'z'])).err).toContain('container z is not valid for pod two');
  });
});
