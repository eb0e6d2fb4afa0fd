// SPDX-License-Identifier: Apache-2.0
/** URL -> what is asked: a discovery document, an OpenAPI document, or a resource request. Pure. */
import type { Api, Target } from './api.js';

export type Route =
  | { kind: 'doc'; path: string }
  | { kind: 'openapi'; version: 'v2' | 'v3'; group?: string; groupVersion?: string }
  | { kind: 'resource'; target: Target; watchPath: boolean }
  | { kind: 'none' };

/**
 * Splits `/api/v1[/watch][/namespaces/{ns}]/{resource}[/{name}[/{sub}]]` and the `/apis/{g}/{v}/...` form.
 * `namespaces/{ns}/...` is a namespaced path only when the next segment is a namespaced kind of that version.
 */
export function route(api: Api, pathname: string): Route {
  const segs = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  if (segs[0] === 'openapi') {
    if (segs[1] === 'v2' && segs.length === 2) return { kind: 'openapi', version: 'v2' };
    if (segs[1] === 'v3') {
      if (segs.length === 2) return { kind: 'openapi', version: 'v3' };
      if (segs[2] === 'api' && segs.length === 4) return { kind: 'openapi', version: 'v3', group: '', groupVersion: segs[3] ?? '' };
      if (segs[2] === 'apis' && segs.length === 5) return { kind: 'openapi', version: 'v3', group: segs[3] ?? '', groupVersion: segs[4] ?? '' };
    }
    return { kind: 'none' };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 2) {
    group = '';
    version = segs[1] ?? '';
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 3) {
    group = segs[1] ?? '';
    version = segs[2] ?? '';
    rest = segs.slice(3);
  } else return { kind: 'doc', path: `/${segs.join('/')}` };
  if (rest.length === 0) return { kind: 'doc', path: `/${segs.join('/')}` };
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const t = api.find(group, version, rest[2] ?? '');
    if (t?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  const [resource, name, subresource, ...extra] = rest;
  const type = api.find(group, version, resource ?? '');
  if (!type || extra.length > 0) return { kind: 'none' };
  if (type.namespaced && namespace === undefined && name !== undefined) return { kind: 'none' };
  const target: Target = { type, version };
  if (namespace !== undefined) target.namespace = namespace;
  if (name !== undefined) target.name = name;
  if (subresource !== undefined) target.subresource = subresource;
  return { kind: 'resource', target, watchPath };
}
