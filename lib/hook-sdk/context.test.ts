import fc from 'fast-check';
import { parseBindingContexts } from './context.js';

describe('parseBindingContexts', () => {
  test('accepts every addon-operator shape', () => {
    const doc = [
      { binding: 'onStartup' },
      { binding: 'beforeHelm', snapshots: { a: [] } },
      { binding: 'a', type: 'Synchronization', objects: [{ object: { kind: 'Pod' } }] },
      { binding: 'a', type: 'Event', watchEvent: 'Deleted', object: { kind: 'Pod' } },
      { binding: 'cron', type: 'Schedule' },
      { binding: 'a', type: 'Group', groupName: 'main', snapshots: { a: [], b: [] } },
    ];
    expect(parseBindingContexts(doc)).toEqual(doc);
  });

  test.each([
    [{}, 'must be a JSON array'],
    [[1], '[0] is not an object'],
    [[{ type: 'Event' }], 'has no "binding"'],
    [[{ binding: 'x' }], 'not a lifecycle binding'],
    [[{ binding: 'x', type: 'Bogus' }], 'unknown type'],
    [[{ binding: 'x', type: 'Synchronization' }], 'no "objects" array'],
    [[{ binding: 'x', type: 'Event', watchEvent: 'Touched' }], 'bad watchEvent'],
    [[{ binding: 'x', type: 'Group', snapshots: {} }], 'no "groupName"'],
    [[{ binding: 'x', type: 'Schedule', snapshots: { a: {} } }], 'snapshot "a" is not an array'],
  ])('rejects %j with a clear message', (doc, msg) => {
    expect(() => parseBindingContexts(doc)).toThrow(msg);
  });

  test('property: any JSON is either accepted or rejected with an Error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        try {
          parseBindingContexts(v);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
        }
      }),
    );
  });
});
