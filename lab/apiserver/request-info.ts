// SPDX-License-Identifier: Apache-2.0
/**
 * A request's authorization attributes from its method and URL alone, as k8s.io/apiserver's
 * RequestInfoFactory derives them: `/api/v1[/watch]/namespaces/{ns}/{resource}/{name}/{sub}` and the
 * `/apis/{group}/{version}/...` form are resource requests, everything else is a non-resource path. Pure.
 */
import type { Attributes } from './rbac.js';

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function nonResource(method: string, path: string): Attributes {
  return { verb: method.toLowerCase(), resourceRequest: false, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '', path };
}

export function requestAttributes(method: string, url: URL): Attributes {
  const path = url.pathname;
  const segs = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
  let parts: string[];
  let apiGroup = '';
  let apiVersion: string;
  if (segs[0] === 'api' && segs.length >= 3) {
    apiVersion = segs[1] ?? '';
    parts = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 4) {
    apiGroup = segs[1] ?? '';
    apiVersion = segs[2] ?? '';
    parts = segs.slice(3);
  } else return nonResource(method, path);

  const q = url.searchParams;
  let verb: string;
  switch (method.toUpperCase()) {
    case 'POST': verb = 'create'; break;
    case 'GET': case 'HEAD': verb = 'get'; break;
    case 'PUT': verb = 'update'; break;
    case 'PATCH': verb = 'patch'; break;
    case 'DELETE': verb = 'delete'; break;
    default: verb = '';
  }
  let watchPath = false;
  if (parts[0] === 'watch') {
    watchPath = true;
    parts = parts.slice(1);
  }
  let namespace = '';
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      namespace = parts[1] ?? '';
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2] ?? '')) parts = parts.slice(2);
    }
  }
  const [resource = '', name = '', subresource = ''] = parts;
  let attrName = name;
  const watchParam = /^(true|1)$/.test(q.get('watch') ?? '');
  if (!name && verb === 'get') verb = watchPath || watchParam ? 'watch' : 'list';
  else if (watchPath) verb = 'watch';
  if (!name && verb === 'delete') verb = 'deletecollection';
  if ((verb === 'list' || verb === 'watch') && !attrName) {
    // A list or watch of one object by field selector is authorized as that name.
    const m = /(?:^|,)metadata\.name==?([^,]*)/.exec(q.get('fieldSelector') ?? '');
    if (m?.[1]) attrName = m[1];
  }
  return { verb, resourceRequest: true, namespace, apiGroup, apiVersion, resource, subresource, name: attrName, path };
}
