import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, type LloydConfig } from '@lloyd/config';
import { InMemoryKeyValueStore } from '@lloyd/store';
import { importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { EmbeddedIssuer } from './embedded-issuer.js';
import { StoredSecrets } from './stored-secrets.js';
import { ExchangeClientAssertion, JWT_BEARER_ASSERTION } from './exchange-client-assertion.js';
import { oauthErrorCode } from './oauth-error.js';
import { rejection, T0, testConfig } from './testing/fixtures.js';
import { TokenVerifier } from './token-verifier.js';

const TOKEN_URL = 'https://lloyd.test.example/oauth2/token';

async function devKey(clientId: string): Promise<{ key: CryptoKey; kid: string }> {
  const file = join(projectRoot(), 'config', 'dev-keys', `${clientId}.private.jwk.json`);
  const { jwk } = JSON.parse(readFileSync(file, 'utf8')) as { jwk: JWK };
  return { key: (await importJWK(jwk, 'ES256')) as CryptoKey, kid: jwk.kid! };
}

describe('ExchangeClientAssertion', () => {
  let now: number;
  let config: LloydConfig;
  let exchange: ExchangeClientAssertion;
  let verifier: TokenVerifier;
  let jtiCounter = 0;

  /** A client assertion for `clientId`, signed with `signer`'s dev key (the same client by default). */
  async function assertion(clientId: string, claims: JWTPayload = {}, signer = clientId): Promise<string> {
    const { key, kid } = await devKey(signer);
    jtiCounter += 1;
    return new SignJWT({
      iss: clientId,
      sub: clientId,
      aud: TOKEN_URL,
      exp: now / 1000 + 240,
      jti: `jti-${jtiCounter}`,
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuedAt(now / 1000)
      .sign(key);
  }

  const form = (clientAssertion: string, extra: Record<string, string> = {}) => ({
    grant_type: 'client_credentials',
    client_assertion_type: JWT_BEARER_ASSERTION,
    client_assertion: clientAssertion,
    ...extra,
  });

  async function expectOAuthError(
    promise: Promise<unknown>,
    code: string,
    status: number,
    text: RegExp,
  ): Promise<void> {
    const error = await rejection(promise);
    expect(oauthErrorCode(error)).toBe(code);
    expect(error.status).toBe(status);
    expect(error.outcome.issue[0]!.diagnostics).toMatch(text);
    expect(error.headers['cache-control']).toBe('no-store');
  }

  beforeEach(async () => {
    now = (T0 + 10) * 1000;
    config = testConfig([]);
    const store = new InMemoryKeyValueStore(() => now);
    const issuer = new EmbeddedIssuer(config, new StoredSecrets(store), () => now);
    await issuer.onModuleInit();
    exchange = new ExchangeClientAssertion(config, issuer, store, () => now);
    verifier = new TokenVerifier(config, issuer, () => now);
  });

  it('issues an access token that verifies, with the client organisation, practitioner and scopes', async () => {
    const response = await exchange.execute(
      form(await assertion('hospital-epr', { requesting_practitioner: 'G1234567' })),
    );
    expect(response).toEqual({
      access_token: expect.any(String) as string,
      token_type: 'bearer',
      expires_in: 300,
      scope: 'system/*.rs',
    });
    const token = await verifier.verify(response.access_token);
    expect(token).toMatchObject({
      issuer: 'urn:lloyd:embedded-issuer',
      subject: 'hospital-epr',
      clientId: 'hospital-epr',
      organisation: 'RX1',
      practitioner: 'G1234567',
      reason: 'directcare',
      scopes: ['system/*.rs'],
      expiresAt: (T0 + 10 + 300) * 1000,
    });
    expect(token.claims.aud).toBe('urn:lloyd:gateway');
  });

  it('grants a requested subset of the registered scopes and carries an emergency reason', async () => {
    const claims = {
      requesting_practitioner: 'G7654321',
      reason_for_request: 'emergency',
      reason_text: 'unconscious patient in A&E',
    };
    const response = await exchange.execute(
      form(await assertion('hospital-epr', claims), { scope: 'system/Patient.rs system/AllergyIntolerance.r' }),
    );
    expect(response.scope).toBe('system/Patient.rs system/AllergyIntolerance.r');
    await expect(verifier.verify(response.access_token)).resolves.toMatchObject({
      reason: 'emergency',
      reasonText: 'unconscious patient in A&E',
      scopes: ['system/Patient.rs', 'system/AllergyIntolerance.r'],
    });
  });

  it('accepts only the configured public token URL as aud, never the address it listens at', async () => {
    const listening = [{ address: '127.0.0.1', port: 9999 }];
    const local = await assertion('auditor', { aud: 'http://127.0.0.1:9999/oauth2/token' });
    await expectOAuthError(
      exchange.execute(form(local), { listening }),
      'invalid_client',
      401,
      /aud must be the token endpoint URL \(https:\/\/lloyd\.test\.example\/oauth2\/token\)/,
    );
    await expect(exchange.execute(form(await assertion('auditor')), { listening })).resolves.toMatchObject({
      scope: 'system/AuditEvent.read',
    });
  });

  describe('without a public base URL', () => {
    beforeEach(async () => {
      config = { ...config, server: { ...config.server, publicBaseUrl: undefined, host: '127.0.0.1', port: 8080 } };
      const store = new InMemoryKeyValueStore(() => now);
      const issuer = new EmbeddedIssuer(config, new StoredSecrets(store), () => now);
      await issuer.onModuleInit();
      exchange = new ExchangeClientAssertion(config, issuer, store, () => now);
    });

    it('accepts the address it listens at and its loopback names, on the port it listens at', async () => {
      const listening = [{ address: '127.0.0.1', port: 9999 }];
      for (const aud of [
        'http://127.0.0.1:9999/oauth2/token',
        'http://localhost:9999/oauth2/token',
        'http://[::1]:9999/oauth2/token',
      ]) {
        await expect(exchange.execute(form(await assertion('auditor', { aud })), { listening })).resolves.toMatchObject(
          { scope: 'system/AuditEvent.read' },
        );
      }
      await expectOAuthError(
        exchange.execute(form(await assertion('auditor', { aud: 'http://127.0.0.1:8080/oauth2/token' })), {
          listening,
        }),
        'invalid_client',
        401,
        /aud must be the token endpoint URL/,
      );
    });

    it('uses the configured host and port when it is not listening (as under inject)', async () => {
      const signed = await assertion('auditor', { aud: 'http://localhost:8080/oauth2/token' });
      await expect(exchange.execute(form(signed))).resolves.toMatchObject({ scope: 'system/AuditEvent.read' });
    });

    it('never accepts a name that only a request could have supplied', async () => {
      const listening = [{ address: '0.0.0.0', port: 8080 }];
      for (const aud of ['http://evil.example/oauth2/token', 'http://evil.example:8080/oauth2/token']) {
        await expectOAuthError(
          exchange.execute(form(await assertion('auditor', { aud })), { listening }),
          'invalid_client',
          401,
          /aud must be the token endpoint URL \(http:\/\/127\.0\.0\.1:8080\/oauth2\/token or /,
        );
      }
    });
  });

  it('refuses a form client_id that is not the client the assertion authenticates (400 invalid_client)', async () => {
    const signed = await assertion('auditor');
    await expectOAuthError(
      exchange.execute(form(signed, { client_id: 'hospital-epr' })),
      'invalid_client',
      400,
      /client_id "hospital-epr" does not match the client_assertion's iss and sub/,
    );
    await expect(exchange.execute(form(signed, { client_id: 'auditor' }))).resolves.toMatchObject({
      scope: 'system/AuditEvent.read',
    });
  });

  it('refuses patient-context scopes, which grant nothing in Lloyd, saying what to ask for instead', async () => {
    await expectOAuthError(
      exchange.execute(form(await assertion('hospital-epr'), { scope: 'patient/*.rs' })),
      'invalid_scope',
      400,
      /Patient-context scopes are not supported \(patient\/\*\.rs\).*Ask for system\/ \(or user\/\) scopes/,
    );
  });

  it('rejects a replayed jti', async () => {
    const signed = await assertion('gp2gp-broker');
    await exchange.execute(form(signed));
    await expectOAuthError(exchange.execute(form(signed)), 'invalid_client', 401, /jti has already been used/);
  });

  it('does not burn the jti of a request it refuses for another reason', async () => {
    const signed = await assertion('gp2gp-broker');
    await expectOAuthError(
      exchange.execute(form(signed, { scope: 'system/admin.write' })),
      'invalid_scope',
      400,
      /not registered/,
    );
    await expect(exchange.execute(form(signed))).resolves.toMatchObject({
      scope: 'system/gp2gp.write system/gp2gp.read',
    });
  });

  it('rejects an assertion that expires more than 5 minutes ahead', async () => {
    const signed = await assertion('hospital-epr', { exp: now / 1000 + 600 });
    await expectOAuthError(
      exchange.execute(form(signed)),
      'invalid_client',
      401,
      /exp must be at most 300 seconds ahead/,
    );
  });

  it('rejects an expired assertion and one without exp or jti', async () => {
    await expectOAuthError(
      exchange.execute(form(await assertion('hospital-epr', { exp: now / 1000 - 60 }))),
      'invalid_client',
      401,
      /expired/,
    );
    await expectOAuthError(
      exchange.execute(form(await assertion('hospital-epr', { exp: undefined }))),
      'invalid_client',
      401,
      /missing the exp claim/,
    );
    await expectOAuthError(
      exchange.execute(form(await assertion('hospital-epr', { jti: undefined }))),
      'invalid_client',
      401,
      /missing the jti claim/,
    );
  });

  it('rejects the wrong aud', async () => {
    const signed = await assertion('hospital-epr', { aud: 'https://elsewhere.example/oauth2/token' });
    await expectOAuthError(
      exchange.execute(form(signed)),
      'invalid_client',
      401,
      /aud must be the token endpoint URL \(https:\/\/lloyd\.test\.example\/oauth2\/token\)/,
    );
  });

  it('rejects an unknown client', async () => {
    const signed = await assertion('stranger', {}, 'hospital-epr');
    await expectOAuthError(exchange.execute(form(signed)), 'invalid_client', 401, /not a registered client/);
  });

  it("rejects an assertion signed by another client's key", async () => {
    const signed = await assertion('hospital-epr', {}, 'social-care');
    await expectOAuthError(
      exchange.execute(form(signed)),
      'invalid_client',
      401,
      /not signed by the client's registered key/,
    );
  });

  it('rejects sub different from iss', async () => {
    const signed = await assertion('hospital-epr', { sub: 'social-care' });
    await expectOAuthError(exchange.execute(form(signed)), 'invalid_client', 401, /sub must equal iss/);
  });

  it('rejects a scope the client is not registered for', async () => {
    await expectOAuthError(
      exchange.execute(form(await assertion('hospital-epr'), { scope: 'system/*.rs system/gp2gp.write' })),
      'invalid_scope',
      400,
      /system\/gp2gp\.write is not registered for client hospital-epr/,
    );
    await expectOAuthError(
      exchange.execute(form(await assertion('auditor'), { scope: 'system/*.rs' })),
      'invalid_scope',
      400,
      /not registered/,
    );
  });

  it('rejects the wrong grant_type', async () => {
    const request = { ...form(await assertion('hospital-epr')), grant_type: 'authorization_code' };
    await expectOAuthError(exchange.execute(request), 'unsupported_grant_type', 400, /client_credentials/);
  });

  it('rejects a missing or wrong client_assertion_type and a missing assertion', async () => {
    const { client_assertion_type: _type, ...withoutType } = form(await assertion('hospital-epr'));
    await expectOAuthError(exchange.execute(withoutType), 'invalid_request', 400, /client_assertion_type is required/);
    const wrongType = form(await assertion('hospital-epr'), { client_assertion_type: 'urn:something:else' });
    await expectOAuthError(exchange.execute(wrongType), 'invalid_client', 401, /private_key_jwt/);
    const { client_assertion: _assertion, ...withoutAssertion } = form('');
    await expectOAuthError(exchange.execute(withoutAssertion), 'invalid_request', 400, /client_assertion is required/);
  });

  it('rejects repeated form fields and a body that is not a form', async () => {
    const repeated = { ...form(await assertion('hospital-epr')), scope: ['system/*.rs', 'system/*.rs'] };
    await expectOAuthError(exchange.execute(repeated), 'invalid_request', 400, /scope must be given exactly once/);
    await expectOAuthError(exchange.execute(undefined), 'invalid_request', 400, /x-www-form-urlencoded/);
  });

  it('rejects bad consumer claims with invalid_grant', async () => {
    const emergency = await assertion('hospital-epr', {
      requesting_practitioner: 'G1',
      reason_for_request: 'emergency',
    });
    await expectOAuthError(exchange.execute(form(emergency)), 'invalid_grant', 400, /reason_text is required/);
    const curious = await assertion('hospital-epr', { reason_for_request: 'curiosity' });
    await expectOAuthError(exchange.execute(form(curious)), 'invalid_grant', 400, /directcare/);
  });

  it('refuses to issue when the embedded issuer is switched off', async () => {
    const off = testConfig([], false);
    const store = new InMemoryKeyValueStore();
    const offExchange = new ExchangeClientAssertion(
      off,
      new EmbeddedIssuer(off, new StoredSecrets(store)),
      store,
      () => now,
    );
    const error = await rejection(offExchange.execute(form(await assertion('hospital-epr'))));
    expect(error.status).toBe(501);
  });
});
