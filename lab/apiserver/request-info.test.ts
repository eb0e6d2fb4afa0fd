import { requestAttributes } from './request-info.js';

const info = (method: string, url: string) => {
  const a = requestAttributes(method, new URL(url, 'https://lab'));
  return a.resourceRequest ? { verb: a.verb, group: a.apiGroup, ns: a.namespace, resource: a.resource, sub: a.subresource, name: a.name } : { verb: a.verb, path: a.path };
};

describe('request attributes from method and URL', () => {
  test.each([
    ['GET', '/api/v1/namespaces/default/services', { verb: 'list', group: '', ns: 'default', resource: 'services', sub: '', name: '' }],
    ['GET', '/api/v1/namespaces/default/services?watch=true', { verb: 'watch', group: '', ns: 'default', resource: 'services', sub: '', name: '' }],
    ['GET', '/api/v1/watch/namespaces/default/services', { verb: 'watch', group: '', ns: 'default', resource: 'services', sub: '', name: '' }],
    ['GET', '/api/v1/namespaces/default/services?fieldSelector=metadata.name%3Dweb', { verb: 'list', group: '', ns: 'default', resource: 'services', sub: '', name: 'web' }],
    ['GET', '/api/v1/namespaces/default/services/web/status', { verb: 'get', group: '', ns: 'default', resource: 'services', sub: 'status', name: 'web' }],
    ['PATCH', '/api/v1/namespaces/default/services/web/status', { verb: 'patch', group: '', ns: 'default', resource: 'services', sub: 'status', name: 'web' }],
    ['DELETE', '/apis/apps/v1/namespaces/x/deployments', { verb: 'deletecollection', group: 'apps', ns: 'x', resource: 'deployments', sub: '', name: '' }],
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/d8-metallb/leases/l', { verb: 'update', group: 'coordination.k8s.io', ns: 'd8-metallb', resource: 'leases', sub: '', name: 'l' }],
    ['GET', '/api/v1/namespaces/foo', { verb: 'get', group: '', ns: 'foo', resource: 'namespaces', sub: '', name: 'foo' }],
    ['PUT', '/api/v1/namespaces/foo/finalize', { verb: 'update', group: '', ns: 'foo', resource: 'namespaces', sub: 'finalize', name: 'foo' }],
    ['GET', '/api/v1/nodes', { verb: 'list', group: '', ns: '', resource: 'nodes', sub: '', name: '' }],
    ['POST', '/api/v1/namespaces/d8-metallb/serviceaccounts/speaker/token', { verb: 'create', group: '', ns: 'd8-metallb', resource: 'serviceaccounts', sub: 'token', name: 'speaker' }],
    ['GET', '/version', { verb: 'get', path: '/version' }],
    ['GET', '/apis', { verb: 'get', path: '/apis' }],
    ['GET', '/apis/apps/v1', { verb: 'get', path: '/apis/apps/v1' }],
    ['POST', '/metrics', { verb: 'post', path: '/metrics' }],
  ])('%s %s', (method, url, want) => {
    expect(info(method, url)).toEqual(want);
  });
});
