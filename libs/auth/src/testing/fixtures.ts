// Test fixtures for libs/auth specs: real keys, a trusted test issuer and token builders with fixed defaults.
import { loadConfig, type LloydConfig, type TrustedIssuerConfig } from '@lloyd/config';
import { OperationOutcomeError } from '@lloyd/fhir';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export const TEST_ISSUER = 'https://idp.test.example';
export const TEST_AUDIENCE = 'https://lloyd.test.example';
/** A fixed instant (2026-01-01T00:00:00Z) so tokens and clocks agree without reading the wall clock. */
export const T0 = Date.UTC(2026, 0, 1) / 1000;

export interface TestKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  alg: 'ES256' | 'RS256' | 'EdDSA';
}

export async function testKey(alg: TestKey['alg'], kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'RS256' ? { modulusLength: 2048 } : {});
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, alg };
}

/** Claims of a good token issued at {@link T0}, valid for 5 minutes. */
export function goodClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    sub: 'consumer-system',
    client_id: 'consumer-system',
    iat: T0,
    exp: T0 + 300,
    jti: 'jti-1',
    scope: 'system/*.rs',
    requesting_organization: 'RX1',
    requesting_practitioner: 'G1234567',
    reason_for_request: 'directcare',
    ...overrides,
  };
}

/** Signs `claims` as given (no defaults added), so tests can omit any claim. */
export async function sign(key: TestKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.publicJwk.kid!, typ: 'JWT', ...header })
    .sign(key.privateKey);
}

export function issuerConfig(keys: JWK[], overrides: Partial<TrustedIssuerConfig> = {}): TrustedIssuerConfig {
  return {
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    jwks: { keys: keys as { kty: string }[] },
    algorithms: ['ES256'],
    ...overrides,
  };
}

/** Shipped defaults (with the dev clients) plus the given trusted issuers. */
export function testConfig(issuers: TrustedIssuerConfig[], embeddedEnabled = true): LloydConfig {
  const config = loadConfig({ env: {} });
  return {
    ...config,
    server: { ...config.server, publicBaseUrl: 'https://lloyd.test.example' },
    auth: { ...config.auth, issuers, embeddedIssuer: { ...config.auth.embeddedIssuer, enabled: embeddedEnabled } },
  };
}

/** Awaits a rejection and returns the OperationOutcomeError, failing the test if it is anything else. */
export async function rejection(promise: Promise<unknown>): Promise<OperationOutcomeError> {
  const error: unknown = await promise.then(
    () => new Error('expected a rejection, but the promise resolved'),
    (err: unknown) => err,
  );
  if (!(error instanceof OperationOutcomeError)) throw error;
  return error;
}
