import { algorithms, type LloydConfig } from '@lloyd/config';
import { TOKEN_PATH } from './exchange-client-assertion.js';

/** Path of the embedded issuer's public keys. */
export const JWKS_PATH = '/.well-known/jwks.json';

/** The SMART discovery document (`/.well-known/smart-configuration`) for Backend Services. */
export interface SmartConfiguration {
  issuer: string;
  token_endpoint: string;
  jwks_uri: string;
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  token_endpoint_auth_signing_alg_values_supported: string[];
  scopes_supported: string[];
  response_types_supported: string[];
  capabilities: string[];
}

/**
 * Describes the embedded issuer's token endpoint. `baseUrl` is the absolute URL clients reach Lloyd at.
 *
 * @see https://build.fhir.org/ig/HL7/smart-app-launch/conformance.html
 */
export function smartConfiguration(config: LloydConfig, baseUrl: string): SmartConfiguration {
  const base = baseUrl.replace(/\/+$/, '');
  const scopes = new Set(config.auth.embeddedIssuer.clients.flatMap((c) => c.scopes));
  return {
    issuer: config.auth.embeddedIssuer.issuer,
    token_endpoint: `${base}${TOKEN_PATH}`,
    jwks_uri: `${base}${JWKS_PATH}`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...algorithms],
    scopes_supported: [...scopes].sort(),
    response_types_supported: ['token'],
    capabilities: ['client-confidential-asymmetric', 'permission-v2', 'permission-v1'],
  };
}
