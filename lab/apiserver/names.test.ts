// SPDX-License-Identifier: Apache-2.0
import { nameError } from './names.js';

describe('object names', () => {
  test('ordinary objects are RFC 1123 subdomains', () => {
    expect(nameError('web-ingress-0')).toBeUndefined();
    expect(nameError('d8:metallb:speaker')).toMatch(/RFC 1123 subdomain/);
    expect(nameError('Web')).toMatch(/RFC 1123 subdomain/);
  });

  test('namespaces are RFC 1123 labels', () => {
    expect(nameError('d8-metallb', true)).toBeUndefined();
    expect(nameError('a.b', true)).toMatch(/RFC 1123 label/);
  });

  test('RBAC objects are path segments, as in system:controller:x', () => {
    expect(nameError('d8:metallb:speaker', false, true)).toBeUndefined();
    expect(nameError('system:controller:endpoint-controller', false, true)).toBeUndefined();
    expect(nameError('a/b', false, true)).toBe("may not contain '/'");
    expect(nameError('..', false, true)).toBe("may not be '..'");
  });
});
