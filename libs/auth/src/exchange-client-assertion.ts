import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { algorithms, LLOYD_CONFIG, type ClientConfig, type LloydConfig } from '@lloyd/config';
import { OperationOutcomeError } from '@lloyd/fhir';
import { KeyValueStore } from '@lloyd/store';
import { createLocalJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AUTH_CLOCK, type Clock } from './clock.js';
import { EmbeddedIssuer } from './embedded-issuer.js';
import { oauthError } from './oauth-error.js';
import { parseScope, scopeCovers, splitScopes } from './scopes.js';
import { MAX_TOKEN_LENGTH } from './token-verifier.js';
import { consumerClaims, field, formFields, optionalField } from './token-request-form.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** A client assertion may expire at most this far ahead (SMART Backend Services). */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
/** Path of the token endpoint under the public base URL. */
export const TOKEN_PATH = '/oauth2/token';

/** The successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

/** An address the server listens at, as Fastify's `server.addresses()` reports it. */
export interface ListeningAddress {
  address: string;
  port: number;
}

export interface ExchangeContext {
  /**
   * Where the server listens (`server.addresses()`; empty when it does not, as under `inject`, and then
   * `server.host` and `server.port` are used). Never the request's Host header, which the client chooses.
   */
  listening?: readonly ListeningAddress[];
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

function hostNames(address: string): string[] {
  const a = address.toLowerCase();
  const wildcard = a === '0.0.0.0' || a === '::';
  const loopback = a === 'localhost' || a === '::1' || a.startsWith('127.');
  const own = wildcard ? [] : [a.includes(':') ? `[${a}]` : a];
  return [...own, ...(wildcard || loopback ? LOOPBACK_NAMES : [])];
}

/**
 * The base URLs at which clients may address the token endpoint, and so the only `aud` values a client assertion may
 * carry (with {@link TOKEN_PATH}): `server.publicBaseUrl` alone when it is configured; otherwise the address Lloyd
 * listens at and, when that is a loopback or wildcard address, the loopback names (`127.0.0.1`, `localhost`,
 * `[::1]`), on the port it listens at. A name taken from a request is never one of them.
 */
export function acceptedBaseUrls(config: LloydConfig, listening: readonly ListeningAddress[] = []): string[] {
  const configured = config.server.publicBaseUrl;
  if (configured) return [configured.replace(/\/+$/, '')];
  const addresses = listening.length ? listening : [{ address: config.server.host, port: config.server.port }];
  return [
    ...new Set(
      addresses.flatMap(({ address, port }) =>
        hostNames(address).flatMap((host) => [`http://${host}:${port}`, ...(port === 80 ? [`http://${host}`] : [])]),
      ),
    ),
  ];
}

interface RegisteredClient {
  client: ClientConfig;
  keys: JWTVerifyGetKey;
}

/**
 * SMART Backend Services token exchange: a registered client authenticates with a JWT signed by its registered
 * key (`private_key_jwt`) and gets a short-lived access token from the embedded issuer.
 *
 * @see https://build.fhir.org/ig/HL7/smart-app-launch/backend-services.html
 */
@Injectable()
export class ExchangeClientAssertion {
  private readonly clients = new Map<string, RegisteredClient>();
  private readonly clock: Clock;

  constructor(
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly issuer: EmbeddedIssuer,
    private readonly store: KeyValueStore,
    @Optional() @Inject(AUTH_CLOCK) clock?: Clock,
  ) {
    this.clock = clock ?? Date.now;
    config.auth.embeddedIssuer.clients.forEach((client, index) => {
      try {
        this.clients.set(client.id, { client, keys: createLocalJWKSet(client.jwks) });
      } catch (err) {
        throw new Error(
          `auth.embeddedIssuer.clients.${index}.jwks is not a usable JSON Web Key Set: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
    });
  }

  /** Validates the token request form and the client assertion, then issues an access token. */
  async execute(form: unknown, context: ExchangeContext = {}): Promise<TokenResponse> {
    if (!this.issuer.enabled) {
      throw OperationOutcomeError.of(
        'NOT_IMPLEMENTED',
        'The embedded token issuer is switched off (auth.embeddedIssuer.enabled): get access tokens from your trusted issuer.',
      );
    }
    const fields = formFields(form);
    const grantType = field(fields, 'grant_type');
    if (grantType !== 'client_credentials') {
      throw oauthError('unsupported_grant_type', 'grant_type must be client_credentials (SMART Backend Services).');
    }
    const assertionType = field(fields, 'client_assertion_type');
    if (assertionType !== JWT_BEARER_ASSERTION) {
      throw oauthError('invalid_client', `client_assertion_type must be ${JWT_BEARER_ASSERTION} (private_key_jwt).`);
    }
    const assertion = field(fields, 'client_assertion');
    const formClientId = optionalField(fields, 'client_id');
    const { client, claims } = await this.authenticate(assertion, context);
    if (formClientId !== undefined && formClientId !== client.id) {
      // RFC 7523 §3 / RFC 6749 §3.2.1: the client the form names must be the one the assertion authenticates.
      throw oauthError(
        'invalid_client',
        `client_id "${formClientId.slice(0, 100)}" does not match the client_assertion's iss and sub; send the assertion's client id, or leave client_id out.`,
        400,
      );
    }
    const scopes = this.grantedScopes(client, optionalField(fields, 'scope'));
    const grant = consumerClaims(claims);
    await this.useJtiOnce(client.id, claims);
    const issued = await this.issuer.issueToken({
      clientId: client.id,
      organisation: client.organisation,
      scopes,
      ...grant,
    });
    return {
      access_token: issued.accessToken,
      token_type: 'bearer',
      expires_in: issued.expiresIn,
      scope: issued.scope,
    };
  }

  private async authenticate(
    assertion: string,
    context: ExchangeContext,
  ): Promise<{ client: ClientConfig; claims: JWTPayload }> {
    if (assertion.length > MAX_TOKEN_LENGTH)
      throw oauthError('invalid_client', `client_assertion is larger than ${MAX_TOKEN_LENGTH} bytes.`);
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(assertion);
    } catch {
      throw oauthError('invalid_client', 'client_assertion is not a well-formed signed JWT.');
    }
    const registered = typeof unverified.iss === 'string' ? this.clients.get(unverified.iss) : undefined;
    if (!registered) throw oauthError('invalid_client', 'client_assertion iss is not a registered client id.');
    const { client, keys } = registered;
    const audience = this.tokenUrls(context);
    const now = this.clock();
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(assertion, keys, {
        algorithms: [...algorithms],
        issuer: client.id,
        subject: client.id,
        audience,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
        clockTolerance: this.config.auth.clockToleranceSeconds,
        currentDate: new Date(now),
      }));
    } catch (err) {
      throw oauthError('invalid_client', assertionFailure(err, audience));
    }
    const tolerance = this.config.auth.clockToleranceSeconds;
    if (claims.exp! > now / 1000 + MAX_ASSERTION_LIFETIME_SECONDS + tolerance) {
      throw oauthError(
        'invalid_client',
        `client_assertion exp must be at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds ahead.`,
      );
    }
    if (typeof claims.jti !== 'string' || claims.jti === '')
      throw oauthError('invalid_client', 'client_assertion jti must be a non-empty string.');
    return { client, claims };
  }

  private tokenUrls(context: ExchangeContext): string[] {
    return acceptedBaseUrls(this.config, context.listening).map((base) => `${base}${TOKEN_PATH}`);
  }

  private grantedScopes(client: ClientConfig, requested: string | undefined): string[] {
    // patient/ scopes would grant nothing (Lloyd issues no patient launch context): never issued, asked for or not.
    const isPatientContext = (scope: string) => parseScope(scope)?.context === 'patient';
    if (requested === undefined || requested.trim() === '') return client.scopes.filter((s) => !isPatientContext(s));
    const registered = client.scopes.map(parseScope).filter((s) => s !== undefined);
    const scopes = splitScopes(requested);
    const patientContext = scopes.filter(isPatientContext);
    if (patientContext.length > 0) {
      throw oauthError(
        'invalid_scope',
        `Patient-context scopes are not supported (${patientContext.join(' ')}): Lloyd issues no patient launch ` +
          `context. Ask for system/ (or user/) scopes instead; client ${client.id} may request: ${client.scopes.join(' ')}.`,
      );
    }
    const refused = scopes.filter((s) => {
      const wanted = parseScope(s);
      return !wanted || !registered.some((r) => scopeCovers(r, wanted));
    });
    if (refused.length > 0) {
      throw oauthError(
        'invalid_scope',
        `Scope ${refused.join(' ')} is not registered for client ${client.id}; it may request: ${client.scopes.join(' ')}.`,
      );
    }
    return scopes;
  }

  /** Records the assertion's jti until it expires; a second use is a replay. Runs last so a rejected request burns nothing. */
  private async useJtiOnce(clientId: string, claims: JWTPayload): Promise<void> {
    const jtiHash = createHash('sha256').update(claims.jti!).digest('base64url');
    const remaining = claims.exp! - Math.floor(this.clock() / 1000) + this.config.auth.clockToleranceSeconds;
    const first = await this.store.setIfAbsent(`auth:client-assertion-jti:${clientId}:${jtiHash}`, '1', {
      ttlSeconds: Math.max(1, remaining),
    });
    if (!first)
      throw oauthError(
        'invalid_client',
        'client_assertion jti has already been used: sign a new assertion with a fresh jti.',
      );
  }
}

function assertionFailure(err: unknown, audience: string[]): string {
  if (err instanceof errors.JWTExpired) return 'client_assertion has expired: sign a new one.';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return `client_assertion is missing the ${err.claim} claim.`;
    switch (err.claim) {
      case 'aud':
        return `client_assertion aud must be the token endpoint URL (${audience.join(' or ')}).`;
      case 'sub':
        return 'client_assertion sub must equal iss (the client id).';
      case 'nbf':
      case 'iat':
        return `client_assertion is not yet valid (${err.claim} is in the future).`;
      default:
        return `client_assertion claim ${err.claim} is invalid.`;
    }
  }
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWSSignatureVerificationFailed) {
    return "client_assertion is not signed by the client's registered key.";
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return `client_assertion must be signed with ${algorithms.join(', ')}.`;
  }
  return 'client_assertion could not be verified.';
}
