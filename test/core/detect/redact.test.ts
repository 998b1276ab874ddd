import { REDACTED, redactEvidence, redactText } from '../../../lambdas/core/detect/redact';

describe('redaction', () => {
  it('removes bearer tokens, JWTs and URL credentials from text', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IkFCQyJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    expect(redactText(`Authorization: Bearer ${jwt}`)).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactText(`token is ${jwt} ok`)).toBe(`token is ${REDACTED} ok`);
    expect(redactText('curl https://admin:s3cr3tpass@repo.example.com/x?token=abc123&v=1')).toBe(`curl https://${REDACTED}@repo.example.com/x?token=${REDACTED}&v=1`);
    expect(redactText('aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe(`aws_secret_access_key=${REDACTED}`);
  });

  it('removes token fields (TokenRequest and TokenReview status) and secret-named env values, keeps the rest', () => {
    const evidence = {
      status: { token: 'opaque-token-value', expirationTimestamp: '2026-11-24T00:00:00Z' },
      spec: { token: 'reviewed-token' },
      env: [
        { name: 'DB_PASSWORD', value: 'hunter2' },
        { name: 'LOG_LEVEL', value: 'debug' },
        { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'k', key: 'v' } } },
      ],
    };
    expect(redactEvidence(evidence)).toEqual({
      status: { token: REDACTED, expirationTimestamp: '2026-11-24T00:00:00Z' },
      spec: { token: REDACTED },
      env: [{ name: 'DB_PASSWORD', value: REDACTED }, { name: 'LOG_LEVEL', value: 'debug' }, evidence.env[2]],
    });
  });

  it('keeps which keys a Secret had, not their values, wherever it sits', () => {
    const out = redactEvidence({ items: [{ kind: 'Secret', type: 'Opaque', data: { 'tls.key': 'LS0tLS1CRUdJTg==' }, stringData: { pw: 'x' } }] });
    expect(out).toEqual({ items: [{ kind: 'Secret', type: 'Opaque', data: { 'tls.key': REDACTED }, stringData: { pw: REDACTED } }] });
  });

  it('treats JSON patches to a Secret as secret data', () => {
    const patch = [{ op: 'replace', path: '/data/password', value: 'bmV3' }, { op: 'add', path: '/metadata/labels/x', value: 'y' }];
    expect(redactEvidence({ patch }, { secret: true })).toEqual({ patch: [{ op: 'replace', path: '/data/password', value: REDACTED }, patch[1]] });
  });

  it('does not mutate its input', () => {
    const input = { kind: 'Secret', data: { a: 'b' } };
    redactEvidence(input);
    expect(input.data.a).toBe('b');
  });
});
