import { kindsNotServed } from './up.js';

describe('make lab waiting for the module CRDs', () => {
  test('"no matches for kind" errors are the expected wait, named by kind', () => {
    const err = 'Command failed: kubectl --kubeconfig x apply -f demo.yaml\nerror: resource mapping not found for name: "ingress" namespace: "" from "demo.yaml": no matches for kind "MetalLoadBalancerClass" in version "network.deckhouse.io/v1alpha1"\nensure CRDs are installed first\nerror: resource mapping not found for name: "public" namespace: "" from "demo.yaml": no matches for kind "MetalLoadBalancerPool" in version "network.deckhouse.io/v1alpha1"\nensure CRDs are installed first';
    expect(kindsNotServed(err)).toEqual(['MetalLoadBalancerClass', 'MetalLoadBalancerPool']);
  });

  test('a NotFound on a resource path is the same wait, named by the path', () => {
    const err = 'Command failed: kubectl apply\nError from server (NotFound): error when creating "demo.yaml": the server could not find the requested resource (/apis/network.deckhouse.io/v1alpha1/metalloadbalancerclasses)';
    expect(kindsNotServed(err)).toEqual(['/apis/network.deckhouse.io/v1alpha1/metalloadbalancerclasses']);
    expect(kindsNotServed('Command failed: kubectl apply\nError from server (NotFound): namespaces "x" not found')).toBeUndefined();
  });

  test('any other error is not a wait', () => {
    expect(kindsNotServed('Command failed: kubectl apply\nError from server (Forbidden): services is forbidden: User "x" cannot create resource "services"')).toBeUndefined();
    expect(kindsNotServed('Command failed: kubectl apply\nno matches for kind "X" in version "v1"\nThe connection to the server 127.0.0.1:1 was refused')).toBeUndefined();
  });
});
