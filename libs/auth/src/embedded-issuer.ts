import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { AUTH_CLOCK, type Clock } from './clock.js';
import { StoredSecrets, type KeptSecret } from './stored-secrets.js';
import type { ReasonForRequest } from './verified-token.js';

/** What the embedded issuer puts into an access token. */
export interface TokenGrant {
  clientId: string;
  /** ODS code, becomes `requesting_organization`. */
  organisation: string;
  scopes: readonly string[];
  practitioner?: string;
  reason?: ReasonForRequest;
  reasonText?: string;
}

export interface IssuedToken {
  accessToken: string;
  /** Seconds until expiry. */
  expiresIn: number;
  /** Space-separated granted scopes. */
  scope: string;
  jti: string;
}

interface SigningKey {
  privateKey: CryptoKey;
  kid: string;
  publicJwk: JWK;
  keySet: JWTVerifyGetKey;
}

const ALG = 'ES256';

/**
 * Lloyd's own token issuer (dev clients and deployments without an external identity provider). Its ES256
 * signing key is created on first start and kept in the store ({@link StoredSecrets}), so every gateway replica signs
 * and verifies with the same key, and adopts the store's key when another replica replaced it.
 */
@Injectable()
export class EmbeddedIssuer implements OnModuleInit {
  /** Store key of the signing key (a private JWK as JSON). */
  static readonly STORE_KEY = 'auth:embedded-issuer:signing-key';

  private signing?: Promise<KeptSecret<SigningKey>>;
  private readonly clock: Clock;

  constructor(
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly secrets: StoredSecrets,
    @Optional() @Inject(AUTH_CLOCK) clock?: Clock,
  ) {
    this.clock = clock ?? Date.now;
  }

  get enabled(): boolean {
    return this.config.auth.embeddedIssuer.enabled;
  }

  get issuer(): string {
    return this.config.auth.embeddedIssuer.issuer;
  }

  get audience(): string {
    return this.config.auth.embeddedIssuer.audience;
  }

  async onModuleInit(): Promise<void> {
    if (this.enabled) await this.signingKey();
  }

  /** Public keys for `/.well-known/jwks.json`; empty when the embedded issuer is switched off. */
  async jwks(): Promise<JSONWebKeySet> {
    if (!this.enabled) return { keys: [] };
    return { keys: [{ ...(await this.signingKey()).value.publicJwk }] };
  }

  /**
   * Key resolver for verifying this issuer's tokens. A `kid` this replica does not know makes it re-read the store's
   * key first (at most once a second), as another replica may have replaced it.
   */
  keySet(): JWTVerifyGetKey {
    return async (header, token) => {
      const kept = await this.signingKey();
      if (header.kid !== undefined && header.kid !== kept.value.kid) await kept.recheck();
      return kept.value.keySet(header, token);
    };
  }

  /** Signs an access token for an already authenticated client. Callers decide what may be granted. */
  async issueToken(grant: TokenGrant): Promise<IssuedToken> {
    if (!this.enabled) throw new Error('The embedded token issuer is switched off (auth.embeddedIssuer.enabled)');
    const { privateKey, kid } = (await this.signingKey()).value;
    const lifetime = this.config.auth.embeddedIssuer.tokenLifetimeSeconds;
    const iat = Math.floor(this.clock() / 1000);
    const jti = randomUUID();
    const scope = grant.scopes.join(' ');
    const claims: Record<string, string> = {
      client_id: grant.clientId,
      scope,
      requesting_organization: grant.organisation,
      reason_for_request: grant.reason ?? 'directcare',
    };
    if (grant.practitioner) claims['requesting_practitioner'] = grant.practitioner;
    if (grant.reasonText) claims['reason_text'] = grant.reasonText;
    const accessToken = await new SignJWT(claims)
      .setProtectedHeader({ alg: ALG, kid, typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(grant.clientId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + lifetime)
      .setJti(jti)
      .sign(privateKey);
    return { accessToken, expiresIn: lifetime, scope, jti };
  }

  private signingKey(): Promise<KeptSecret<SigningKey>> {
    // Several replicas may start at once: the first write wins and everyone uses the stored key.
    this.signing ??= this.secrets
      .keep({
        key: EmbeddedIssuer.STORE_KEY,
        label: 'signing-key',
        description: "The embedded issuer's signing key",
        consequence: 'tokens signed with the old key are no longer valid',
        create: async () => {
          const { privateKey } = await generateKeyPair(ALG, { extractable: true });
          const jwk = await exportJWK(privateKey);
          const kid = await calculateJwkThumbprint(jwk);
          return JSON.stringify({ ...jwk, kid, alg: ALG, use: 'sig' });
        },
        parse: (text) => this.importStored(text),
      })
      .catch((err: unknown) => {
        this.signing = undefined;
        throw err;
      });
    return this.signing;
  }

  private async importStored(text: string): Promise<SigningKey> {
    let jwk: JWK;
    try {
      jwk = JSON.parse(text) as JWK;
      if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d || !jwk.kid)
        throw new Error('not a P-256 private JWK with a kid');
    } catch (err) {
      throw new Error(
        `The embedded issuer's signing key in the store (${EmbeddedIssuer.STORE_KEY}) is unusable: ${(err as Error).message}. ` +
          'Delete that key to have a new one generated (tokens already issued will stop verifying).',
        { cause: err },
      );
    }
    const privateKey = await importJWK(jwk, ALG);
    if (privateKey instanceof Uint8Array) throw new Error('The embedded issuer needs an asymmetric signing key');
    const { kty, crv, x, y } = jwk;
    const kid = jwk.kid;
    const publicJwk: JWK = { kty, crv, x, y, kid, alg: ALG, use: 'sig' };
    return { privateKey, kid, publicJwk, keySet: createLocalJWKSet({ keys: [publicJwk] }) };
  }
}
