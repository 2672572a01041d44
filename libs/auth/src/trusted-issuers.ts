import { algorithms as ALLOWED_ALGORITHMS, type LloydConfig } from '@lloyd/config';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { EmbeddedIssuer } from './embedded-issuer.js';

export type SigningAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

/** An issuer whose tokens Lloyd accepts, with its keys and the only algorithms it may sign with. */
export interface TrustedIssuer {
  issuer: string;
  audience: string;
  algorithms: readonly SigningAlgorithm[];
  keys: JWTVerifyGetKey;
}

/** How long a fetched remote JWKS is trusted, and how soon an unknown `kid` may trigger a re-fetch. */
const REMOTE_JWKS = { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000, timeoutDuration: 5_000 };

function pinAlgorithms(configured: readonly string[]): SigningAlgorithm[] {
  // The config schema already restricts these; filtering again keeps HS* and none out whatever the config says.
  return configured.filter((a): a is SigningAlgorithm => (ALLOWED_ALGORITHMS as readonly string[]).includes(a));
}

/** Builds the trusted-issuer table from `auth.issuers`, plus the embedded issuer when it is enabled. */
export function trustedIssuers(config: LloydConfig, embedded: EmbeddedIssuer): Map<string, TrustedIssuer> {
  const table = new Map<string, TrustedIssuer>();
  const add = (entry: TrustedIssuer) => {
    if (table.has(entry.issuer)) {
      throw new Error(
        `Issuer "${entry.issuer}" is configured more than once in auth.issuers (or clashes with the embedded issuer)`,
      );
    }
    table.set(entry.issuer, entry);
  };
  config.auth.issuers.forEach((i, index) => {
    let keys: JWTVerifyGetKey;
    if (i.jwksUri) {
      keys = createRemoteJWKSet(new URL(i.jwksUri), REMOTE_JWKS);
    } else {
      try {
        keys = createLocalJWKSet(i.jwks as JSONWebKeySet);
      } catch (err) {
        throw new Error(`auth.issuers.${index}.jwks is not a usable JSON Web Key Set: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    add({ issuer: i.issuer, audience: i.audience, algorithms: pinAlgorithms(i.algorithms), keys });
  });
  if (embedded.enabled) {
    add({
      issuer: embedded.issuer,
      audience: embedded.audience,
      algorithms: ['ES256'],
      keys: embedded.keySet(),
    });
  }
  return table;
}
