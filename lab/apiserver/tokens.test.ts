import { API_AUDIENCES, SigningKey, signToken, tokenClaims, verifyToken } from './tokens.js';

const key = SigningKey.generate();
const spec = { namespace: 'd8-metallb', serviceAccount: { name: 'speaker', uid: 'u1' }, audiences: API_AUDIENCES, expirationSeconds: 3600, pod: { name: 'p', uid: 'u2' } };

describe('service-account tokens', () => {
  test('a signed token verifies to its claims within its lifetime', () => {
    const t = signToken(tokenClaims(spec, 1000), key);
    const c = verifyToken(t, key, 1001);
    expect(typeof c).toBe('object');
    if (typeof c === 'string') return;
    expect(c.sub).toBe('system:serviceaccount:d8-metallb:speaker');
    expect(c['kubernetes.io']).toEqual({ namespace: 'd8-metallb', serviceaccount: { name: 'speaker', uid: 'u1' }, pod: { name: 'p', uid: 'u2' } });
    expect(c.exp).toBe(4600);
    expect(JSON.parse(Buffer.from(t.split('.')[0] ?? '', 'base64url').toString())).toEqual({ alg: 'ES256', kid: key.kid });
  });

  test('expired, foreign, tampered and wrong-audience tokens fail with the reason', () => {
    const t = signToken(tokenClaims(spec, 1000), key);
    expect(verifyToken(t, key, 4600)).toBe('token has expired');
    expect(verifyToken(t, SigningKey.generate(), 1001)).toBe('invalid signature');
    const [h, b, s] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(b ?? '', 'base64url').toString()), sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url');
    expect(verifyToken(`${h}.${forged}.${s}`, key, 1001)).toBe('invalid signature');
    expect(verifyToken(t, key, 1001, ['https://elsewhere'])).toBe('token audiences are invalid');
    expect(verifyToken('a.b', key, 1001)).toBe('not a JWT');
  });

  test('a key survives its PEM round trip', () => {
    const again = new SigningKey(key.privatePem);
    expect(again.kid).toBe(key.kid);
    expect(typeof verifyToken(signToken(tokenClaims(spec, 5), again), key, 6)).toBe('object');
  });
});
