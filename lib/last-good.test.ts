import { LastGood, staleMessage } from './last-good.js';

type Obj = { metadata: { name: string; uid: string; resourceVersion: string }; value: string };
const obj = (name: string, value: string, rv: string, uid = `uid-${name}`): Obj => ({ metadata: { name, uid, resourceVersion: rv }, value });
const parse = (o: Obj): number => {
  if (!/^\d+$/.test(o.value)) throw new Error(`"${o.value}" is not a number`);
  return Number(o.value);
};

test('an invalid edit keeps the last valid version in force; a fix, a deletion or a new uid ends it', () => {
  const lg = new LastGood<Obj, number>(parse);
  expect(lg.resolve([obj('a', '1', '1'), obj('b', '2', '1')])).toEqual({ values: [1, 2], stale: [] });
  const r = lg.resolve([obj('a', 'x1', '2'), obj('b', '3', '2')]);
  expect(r.values).toEqual([1, 3]);
  expect(r.stale).toEqual([{ current: obj('a', 'x1', '2'), error: '"x1" is not a number', inForce: obj('a', '1', '1') }]);
  expect(staleMessage(r.stale[0]!)).toBe('"x1" is not a number; the last valid version (resourceVersion 1) stays in force until this is fixed');
  expect(lg.resolve([obj('a', '5', '3')]).values).toEqual([5]);
  // Deleted, then back invalid: nothing in force.
  lg.resolve([]);
  const gone = lg.resolve([obj('a', 'x', '4')]);
  expect(gone.values).toEqual([]);
  expect(staleMessage(gone.stale[0]!)).toBe('"x" is not a number; no valid version of it was ever seen, so it is not used until it is fixed');
  // Recreated under a new uid: the old version is not the new object's.
  lg.resolve([obj('c', '7', '1')]);
  expect(lg.resolve([obj('c', 'bad', '2', 'other-uid')]).values).toEqual([]);
});

test('a memory kept outside the process carries on: the version it held stays in force', () => {
  const first = new LastGood<Obj, number>(parse);
  first.resolve([obj('a', '1', '1')]);
  const next = new LastGood<Obj, number>(parse, first.kept());
  const r = next.resolve([obj('a', 'x', '2')]);
  expect(r.values).toEqual([1]);
  expect(r.stale[0]?.inForce).toEqual(obj('a', '1', '1'));
  expect(next.kept()).toEqual([{ object: obj('a', '1', '1'), value: 1 }]);
});
