import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JWT_BEARER_ASSERTION, TokenVerifier } from '@lloyd/auth';
import { loadConfig, projectRoot, type LloydConfig } from '@lloyd/config';
import { importJWK, SignJWT, type JWK } from 'jose';
import { authTestApp } from './testing/auth-test-app.js';

async function clientAssertion(clientId: string, aud: string, claims: Record<string, string> = {}): Promise<string> {
  const file = join(projectRoot(), 'config', 'dev-keys', `${clientId}.private.jwk.json`);
  const { jwk } = JSON.parse(readFileSync(file, 'utf8')) as { jwk: JWK };
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid! })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(aud)
    .setIssuedAt(now)
    .setExpirationTime(now + 240)
    .setJti(randomUUID())
    .sign(await importJWK(jwk, 'ES256'));
}

describe('auth HTTP endpoints', () => {
  let app: NestFastifyApplication;

  const tokenRequest = (
    form: Record<string, string>,
    contentType = 'application/x-www-form-urlencoded',
    host = '127.0.0.1:8080',
  ) =>
    app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { host, 'content-type': contentType },
      payload: contentType.includes('json') ? JSON.stringify(form) : new URLSearchParams(form).toString(),
    });

  describe('without a public base URL', () => {
    beforeAll(async () => {
      app = await authTestApp(loadConfig({ env: {} }));
    });

    afterAll(async () => {
      await app.close();
    });

    it('publishes SMART discovery with absolute URLs the token endpoint accepts as aud', async () => {
      const discovery = (host: string) =>
        app.inject({ method: 'GET', url: '/.well-known/smart-configuration', headers: { host } });
      // A loopback name of the address it listens at is kept; any other name a request gives is not.
      expect((await discovery('localhost:8080')).json()).toMatchObject({
        token_endpoint: 'http://localhost:8080/oauth2/token',
      });
      const response = await discovery('lloyd.local:8080');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        token_endpoint: 'http://127.0.0.1:8080/oauth2/token',
        jwks_uri: 'http://127.0.0.1:8080/.well-known/jwks.json',
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['ES256', 'RS256', 'EdDSA'],
        capabilities: expect.arrayContaining(['client-confidential-asymmetric']) as string[],
      });
      expect(response.json<{ scopes_supported: string[] }>().scopes_supported).toEqual([
        'system/*.rs',
        'system/AuditEvent.read',
        'system/admin.write',
        'system/gp2gp.read',
        'system/gp2gp.write',
      ]);
    });

    it('publishes the public signing key, never the private part', async () => {
      const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(response.statusCode).toBe(200);
      const { keys } = response.json<{ keys: JWK[] }>();
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({
        kty: 'EC',
        crv: 'P-256',
        alg: 'ES256',
        use: 'sig',
        kid: expect.any(String) as string,
      });
      expect(keys[0]).not.toHaveProperty('d');
    });

    it('exchanges a client assertion for an access token that verifies', async () => {
      const assertion = await clientAssertion('hospital-epr', 'http://127.0.0.1:8080/oauth2/token', {
        requesting_practitioner: 'G1234567',
      });
      const response = await tokenRequest({
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER_ASSERTION,
        client_assertion: assertion,
        scope: 'system/Patient.rs',
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      const body = response.json<{ access_token: string; token_type: string; expires_in: number; scope: string }>();
      expect(body).toMatchObject({ token_type: 'bearer', expires_in: 300, scope: 'system/Patient.rs' });
      await expect(app.get(TokenVerifier).verify(body.access_token)).resolves.toMatchObject({
        clientId: 'hospital-epr',
        organisation: 'RX1',
        practitioner: 'G1234567',
      });
    });

    it('answers token errors with an OperationOutcome carrying the OAuth error code', async () => {
      const assertion = await clientAssertion('hospital-epr', 'http://elsewhere/oauth2/token');
      const response = await tokenRequest({
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER_ASSERTION,
        client_assertion: assertion,
      });
      expect(response.statusCode).toBe(401);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json()).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ details: { text: 'invalid_client' } }],
      });
    });

    it('refuses an assertion addressed to whatever host the request names (the Host header is not where Lloyd is)', async () => {
      const assertion = await clientAssertion('auditor', 'http://evil.example/oauth2/token');
      const response = await tokenRequest(
        { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: assertion },
        undefined,
        'evil.example',
      );
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({
        issue: [
          {
            details: { text: 'invalid_client' },
            diagnostics: expect.stringMatching(
              /aud must be the token endpoint URL \(http:\/\/127\.0\.0\.1:8080/,
            ) as string,
          },
        ],
      });
    });

    it('refuses a form client_id that differs from the assertion (400 invalid_client)', async () => {
      const assertion = await clientAssertion('auditor', 'http://127.0.0.1:8080/oauth2/token');
      const response = await tokenRequest({
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER_ASSERTION,
        client_assertion: assertion,
        client_id: 'hospital-epr',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ issue: [{ details: { text: 'invalid_client' } }] });
    });

    it('requires a form-encoded body', async () => {
      const response = await tokenRequest({ grant_type: 'client_credentials' }, 'application/json');
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ issue: [{ details: { text: 'invalid_request' } }] });
    });
  });

  describe('with a public base URL', () => {
    let config: LloydConfig;

    beforeAll(async () => {
      config = loadConfig({ env: {}, overrides: { server: { publicBaseUrl: 'https://lloyd.example.nhs.uk/' } } });
      app = await authTestApp(config);
    });

    afterAll(async () => {
      await app.close();
    });

    it('advertises the configured URL and accepts it as the assertion audience', async () => {
      const discovery = await app.inject({
        method: 'GET',
        url: '/.well-known/smart-configuration',
        headers: { host: 'internal:8080' },
      });
      expect(discovery.json()).toMatchObject({ token_endpoint: 'https://lloyd.example.nhs.uk/oauth2/token' });
      const assertion = await clientAssertion('auditor', 'https://lloyd.example.nhs.uk/oauth2/token');
      const response = await tokenRequest({
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER_ASSERTION,
        client_assertion: assertion,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ scope: 'system/AuditEvent.read' });
    });

    it('refuses an assertion addressed to the host the request names, or to the listening address', async () => {
      for (const [aud, host] of [
        ['http://evil.example/oauth2/token', 'evil.example'],
        ['http://127.0.0.1:8080/oauth2/token', '127.0.0.1:8080'],
      ] as const) {
        const assertion = await clientAssertion('auditor', aud);
        const response = await tokenRequest(
          {
            grant_type: 'client_credentials',
            client_assertion_type: JWT_BEARER_ASSERTION,
            client_assertion: assertion,
          },
          undefined,
          host,
        );
        expect(response.statusCode).toBe(401);
      }
    });
  });
});
