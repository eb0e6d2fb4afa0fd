import { Api } from './api.js';
import { route } from './router.js';

const api = new Api();

function target(path: string): Record<string, unknown> | string {
  const r = route(api, path);
  if (r.kind !== 'resource') return r.kind;
  const { type, ...rest } = r.target;
  return { resource: type.resource, group: type.group, ...rest, ...(r.watchPath ? { watch: true } : {}) };
}

describe('router', () => {
  test.each([
    ['/api/v1/namespaces', { resource: 'namespaces', group: '', version: 'v1' }],
    ['/api/v1/namespaces/default', { resource: 'namespaces', group: '', version: 'v1', name: 'default' }],
    ['/api/v1/namespaces/default/status', { resource: 'namespaces', group: '', version: 'v1', name: 'default', subresource: 'status' }],
    ['/api/v1/namespaces/default/services', { resource: 'services', group: '', version: 'v1', namespace: 'default' }],
    ['/api/v1/namespaces/default/services/web/status', { resource: 'services', group: '', version: 'v1', namespace: 'default', name: 'web', subresource: 'status' }],
    ['/api/v1/services', { resource: 'services', group: '', version: 'v1' }],
    ['/api/v1/watch/namespaces/default/services', { resource: 'services', group: '', version: 'v1', namespace: 'default', watch: true }],
    ['/apis/coordination.k8s.io/v1/namespaces/d8-metallb/leases/x', { resource: 'leases', group: 'coordination.k8s.io', version: 'v1', namespace: 'd8-metallb', name: 'x' }],
    ['/apis/rbac.authorization.k8s.io/v1/clusterroles/d8:metallb:speaker', { resource: 'clusterroles', group: 'rbac.authorization.k8s.io', version: 'v1', name: 'd8:metallb:speaker' }],
  ])('%s', (path, want) => {
    expect(target(path)).toEqual(want);
  });

  test('documents, OpenAPI and unknown paths', () => {
    expect(route(api, '/apis/apps/v1')).toEqual({ kind: 'doc', path: '/apis/apps/v1' });
    expect(route(api, '/version')).toEqual({ kind: 'doc', path: '/version' });
    expect(route(api, '/openapi/v3/apis/apps/v1')).toEqual({ kind: 'openapi', version: 'v3', group: 'apps', groupVersion: 'v1' });
    expect(route(api, '/openapi/v3/api/v1')).toEqual({ kind: 'openapi', version: 'v3', group: '', groupVersion: 'v1' });
    expect(route(api, '/api/v1/widgets')).toEqual({ kind: 'none' });
    expect(route(api, '/api/v1/services/web')).toEqual({ kind: 'none' });
    expect(route(api, '/api/v1/namespaces/a/services/b/status/extra')).toEqual({ kind: 'none' });
  });
});
