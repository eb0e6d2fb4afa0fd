// SPDX-License-Identifier: Apache-2.0
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEMO, exampleBfd, exampleNodeLabels, examplePassword, pickExamples, yamlObjects } from './examples.js';

const docs = path.resolve(__dirname, '../../docs/EXAMPLES.md');
const have = fs.existsSync(docs);

describe('demo scenario from the examples', () => {
  (have ? test : test.skip)(`${have ? '' : '[skipped: docs/EXAMPLES.md missing] '}docs/EXAMPLES.md holds every object of the demo`, () => {
    const md = fs.readFileSync(docs, 'utf8');
    const objs = pickExamples(md, DEMO);
    expect(objs.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(DEMO.map((w) => `${w.kind}/${w.name}`));
    expect(examplePassword(objs)).toBeTruthy();
    const labels = exampleNodeLabels(md);
    expect([...labels.keys()].sort()).toEqual(['node-1', 'node-2', 'node-3']);
  });

  test('a missing object is named', () => {
    expect(() => pickExamples('```yaml\nkind: Service\nmetadata: {name: a}\n```\n', [{ kind: 'Service', name: 'a' }, { kind: 'Service', name: 'b' }, { kind: 'X', name: 'y' }])).toThrow('docs/EXAMPLES.md lacks Service/b, X/y');
  });

  test('multi-document blocks, other languages ignored', () => {
    const md = '```yaml\nkind: A\n---\nkind: B\n```\n```text\nkind: C\n```\n';
    expect(yamlObjects(md).map((o) => o.kind)).toEqual(['A', 'B']);
  });

  test('node labels and BFD', () => {
    expect(Object.fromEntries(exampleNodeLabels('(`kubectl label node n1 n2 role/x=""`)'))).toEqual({ n1: { 'role/x': '' }, n2: { 'role/x': '' } });
    expect(exampleBfd([{ kind: 'MetalLoadBalancerBGPPeer', spec: { bfd: { receiveInterval: 100 } } }])).toEqual({ receiveInterval: 100, transmitInterval: 300, detectMultiplier: 3 });
    expect(exampleBfd([])).toBeUndefined();
  });
});
