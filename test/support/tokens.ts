import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importJWK, SignJWT, type JWK } from 'jose';
import { projectRoot } from '@lloyd/config';

export type DevClient = 'hospital-epr' | 'social-care' | 'no-agreement' | 'gp2gp-broker' | 'auditor' | 'admin';

export interface TokenRequest {
  practitioner?: string;
  reason?: 'directcare' | 'emergency';
  reasonText?: string;
  scope?: string;
}

/** Reads a dev client's private key from config/dev-keys (dev and test only). */
export function devClientKey(client: DevClient): JWK {
  const file = join(projectRoot(), 'config', 'dev-keys', `${client}.private.jwk.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { jwk: JWK }).jwk;
}

/** Signs a SMART Backend Services client assertion as the dev client would. */
export async function clientAssertion(
  client: DevClient,
  tokenEndpoint: string,
  request: TokenRequest = {},
): Promise<string> {
  const jwk = devClientKey(client);
  const key = await importJWK(jwk, 'ES256');
  const claims: Record<string, string> = {};
  if (request.practitioner) claims['requesting_practitioner'] = request.practitioner;
  if (request.reason) claims['reason_for_request'] = request.reason;
  if (request.reasonText) claims['reason_text'] = request.reasonText;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid ?? '' })
    .setIssuer(client)
    .setSubject(client)
    .setAudience(tokenEndpoint)
    .setIssuedAt()
    .setExpirationTime('4m')
    .setJti(randomUUID())
    .sign(key);
}

/** Gets an access token from a running Lloyd's embedded issuer over real HTTP. */
export async function fetchToken(baseUrl: string, client: DevClient, request: TokenRequest = {}): Promise<string> {
  const tokenEndpoint = `${baseUrl}/oauth2/token`;
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await clientAssertion(client, tokenEndpoint, request),
  });
  if (request.scope) form.set('scope', request.scope);
  const response = await fetch(tokenEndpoint, { method: 'POST', body: form });
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || !body.access_token)
    throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}
