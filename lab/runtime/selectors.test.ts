import { fieldSelectorString, labelSelectorString, matchesBinding, singleNamespace } from './selectors.js';

describe('selectors', () => {
  test('label and field selectors as query strings', () => {
    expect(labelSelectorString({ matchLabels: { app: 'x' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }, { key: 'b', operator: 'NotIn', values: ['3'] }, { key: 'c', operator: 'Exists' }, { key: 'd', operator: 'DoesNotExist' }] })).toBe(
      // Sorted by key, as apimachinery writes selectors.
      'a in (1,2),app=x,b notin (3),c,!d',
    );
    expect(labelSelectorString({})).toBeUndefined();
    expect(fieldSelectorString({ matchExpressions: [{ field: 'spec.nodeName', operator: 'NotEquals', value: 'n' }] }, ['only'])).toBe('spec.nodeName!=n,metadata.name=only');
    expect(fieldSelectorString(undefined, ['a', 'b'])).toBeUndefined();
  });

  test('several names or namespaces are checked on the client', () => {
    const b = { name: 'x', kind: 'ConfigMap', nameSelector: { matchNames: ['a', 'b'] }, namespace: { nameSelector: { matchNames: ['n1', 'n2'] } } };
    expect(matchesBinding(b, { metadata: { name: 'a', namespace: 'n2' } })).toBe(true);
    expect(matchesBinding(b, { metadata: { name: 'c', namespace: 'n2' } })).toBe(false);
    expect(matchesBinding(b, { metadata: { name: 'a', namespace: 'n3' } })).toBe(false);
    expect(singleNamespace(b)).toBeUndefined();
    expect(singleNamespace({ ...b, namespace: { nameSelector: { matchNames: ['n1'] } } })).toBe('n1');
  });
});
