import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryKeyValueStore } from '@lloyd/store';
import { base64url, exportSPKI, importJWK, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { EmbeddedIssuer } from './embedded-issuer.js';
import { StoredSecrets } from './stored-secrets.js';
import {
  goodClaims,
  issuerConfig,
  rejection,
  sign,
  T0,
  TEST_AUDIENCE,
  TEST_ISSUER,
  testConfig,
  testKey,
  type TestKey,
} from './testing/fixtures.js';
import { TokenVerifier } from './token-verifier.js';

const encode = (value: object) => base64url.encode(JSON.stringify(value));

describe('TokenVerifier', () => {
  let es256: TestKey;
  let rs256: TestKey;
  let stranger: TestKey;
  let now: number;
  let verifier: TokenVerifier;

  const build = async (config = testConfig([issuerConfig([es256.publicJwk, rs256.publicJwk])], false)) => {
    const embedded = new EmbeddedIssuer(config, new StoredSecrets(new InMemoryKeyValueStore()), () => now);
    await embedded.onModuleInit();
    return new TokenVerifier(config, embedded, () => now);
  };

  async function expectRejected(token: string, reason: RegExp, target = verifier): Promise<void> {
    const error = await rejection(target.verify(token));
    expect(error.status).toBe(401);
    expect(error.spineCode).toBe('INVALID_TOKEN');
    expect(error.outcome.issue[0]!.diagnostics).toMatch(reason);
    expect(error.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    const exposed = `${error.message} ${JSON.stringify(error.outcome)} ${JSON.stringify(error.headers)}`;
    expect(exposed).not.toContain(token);
    const [, payload, signature] = token.split('.');
    if (payload && payload.length > 8) expect(exposed).not.toContain(payload);
    if (signature && signature.length > 8) expect(exposed).not.toContain(signature);
  }

  beforeAll(async () => {
    es256 = await testKey('ES256', 'es-1');
    rs256 = await testKey('RS256', 'rs-1');
    stranger = await testKey('ES256', 'es-1');
  });

  beforeEach(async () => {
    now = (T0 + 10) * 1000;
    verifier = await build();
  });

  it('accepts a good token and maps its claims', async () => {
    const token = await sign(es256, goodClaims({ reason_text: 'ward round' }));
    const verified = await verifier.verify(token);
    expect(verified).toEqual({
      issuer: TEST_ISSUER,
      subject: 'consumer-system',
      clientId: 'consumer-system',
      organisation: 'RX1',
      practitioner: 'G1234567',
      reason: 'directcare',
      reasonText: 'ward round',
      scopes: ['system/*.rs'],
      jti: 'jti-1',
      expiresAt: (T0 + 300) * 1000,
      claims: expect.objectContaining({ aud: TEST_AUDIENCE }) as JWTPayload,
    });
  });

  describe('rejects, with 401 and a specific reason', () => {
    it('an unsigned token (alg: none)', async () => {
      const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(goodClaims())}.`;
      await expectRejected(token, /algorithm not allowed/);
    });

    it('HS256 signed with the issuer public key material as the HMAC secret', async () => {
      const pem = await exportSPKI((await importJWK(es256.publicJwk, 'ES256')) as CryptoKey);
      for (const secret of [new TextEncoder().encode(JSON.stringify(es256.publicJwk)), new TextEncoder().encode(pem)]) {
        const token = await new SignJWT(goodClaims()).setProtectedHeader({ alg: 'HS256', kid: 'es-1' }).sign(secret);
        await expectRejected(token, /algorithm not allowed/);
      }
    });

    it('a key that is not in the JWKS (unknown kid)', async () => {
      const token = await sign(stranger, goodClaims(), { kid: 'someone-else' });
      await expectRejected(token, /signing key not found in the issuer's JWKS/);
    });

    it('the right kid but a different key', async () => {
      const token = await sign(stranger, goodClaims());
      await expectRejected(token, /signature verification failed/);
    });

    it('an unknown issuer', async () => {
      await expectRejected(await sign(es256, goodClaims({ iss: 'https://evil.example' })), /issuer is not trusted/);
    });

    it('the wrong audience', async () => {
      await expectRejected(await sign(es256, goodClaims({ aud: 'https://other.example' })), /audience not accepted/);
    });

    it('an expired token', async () => {
      now = (T0 + 400) * 1000;
      await expectRejected(await sign(es256, goodClaims()), /token expired/);
    });

    it('a token without exp', async () => {
      const { exp: _exp, ...claims } = goodClaims();
      await expectRejected(await sign(es256, claims), /missing claim exp/);
    });

    it('a token without jti', async () => {
      const { jti: _jti, ...claims } = goodClaims();
      await expectRejected(await sign(es256, claims), /missing claim jti/);
    });

    it('a token without requesting_organization', async () => {
      const { requesting_organization: _org, ...claims } = goodClaims();
      await expectRejected(await sign(es256, claims), /missing claim requesting_organization/);
    });

    it('a token living longer than 5 minutes', async () => {
      await expectRejected(await sign(es256, goodClaims({ exp: T0 + 301 })), /token lifetime exceeds 300 seconds/);
    });

    it('a token whose nbf is in the future', async () => {
      await expectRejected(await sign(es256, goodClaims({ nbf: T0 + 120 })), /token is not yet valid/);
    });

    it('a token issued in the future', async () => {
      const token = await sign(es256, goodClaims({ iat: T0 + 120, exp: T0 + 300 }));
      await expectRejected(token, /token is not yet valid: it was issued in the future/);
    });

    it('malformed base64', async () => {
      await expectRejected('eyJ!!!.@@@@.####', /malformed token/);
      await expectRejected('not-a-jwt-at-all', /malformed token/);
    });

    it('a 100 KB token, before parsing it', async () => {
      const token = `${encode({ alg: 'ES256' })}.${'A'.repeat(100 * 1024)}.sig`;
      await expectRejected(token, /token too large/);
    });

    it('RS256 when the issuer is pinned to ES256, even though its JWKS holds the RSA key', async () => {
      await expectRejected(await sign(rs256, goodClaims()), /algorithm not allowed/);
    });

    it('a requesting_organization that is not an ODS code', async () => {
      await expectRejected(await sign(es256, goodClaims({ requesting_organization: 'rx 1' })), /ODS code/);
    });
  });

  it('accepts RS256 when the issuer allows it', async () => {
    const config = testConfig([issuerConfig([rs256.publicJwk], { algorithms: ['RS256'] })], false);
    const rsVerifier = await build(config);
    await expect(rsVerifier.verify(await sign(rs256, goodClaims()))).resolves.toMatchObject({ organisation: 'RX1' });
  });

  describe('verified-token cache', () => {
    it('returns the cached result for the same token', async () => {
      const token = await sign(es256, goodClaims());
      const first = await verifier.verify(token);
      await expect(verifier.verify(token)).resolves.toBe(first);
    });

    it('does not keep an entry past the token exp', async () => {
      const token = await sign(es256, goodClaims());
      const first = await verifier.verify(token);
      now = (T0 + 300) * 1000 + 1000; // past exp, still inside the 5 s clock tolerance: verified afresh
      const again = await verifier.verify(token);
      expect(again).not.toBe(first);
      expect(again).toEqual(first);
      now = (T0 + 300 + 6) * 1000; // past exp and tolerance
      await expectRejected(token, /token expired/);
    });

    it('does not cache failures', async () => {
      now = (T0 - 60) * 1000;
      const token = await sign(es256, goodClaims());
      await expectRejected(token, /issued in the future/);
      now = (T0 + 10) * 1000;
      await expect(verifier.verify(token)).resolves.toMatchObject({ jti: 'jti-1' });
    });
  });

  describe('embedded issuer', () => {
    it('verifies tokens signed by the embedded issuer of another replica sharing the store', async () => {
      const config = testConfig([], true);
      const store = new InMemoryKeyValueStore();
      const replicaA = new EmbeddedIssuer(config, new StoredSecrets(store), () => now);
      const replicaB = new EmbeddedIssuer(config, new StoredSecrets(store), () => now);
      await Promise.all([replicaA.onModuleInit(), replicaB.onModuleInit()]);
      const verifierB = new TokenVerifier(config, replicaB, () => now);
      const issued = await replicaA.issueToken({
        clientId: 'hospital-epr',
        organisation: 'RX1',
        scopes: ['system/*.rs'],
        practitioner: 'G1234567',
      });
      await expect(verifierB.verify(issued.accessToken)).resolves.toMatchObject({
        issuer: 'urn:lloyd:embedded-issuer',
        clientId: 'hospital-epr',
        organisation: 'RX1',
        practitioner: 'G1234567',
        reason: 'directcare',
        scopes: ['system/*.rs'],
      });
      expect((await replicaA.jwks()).keys).toEqual((await replicaB.jwks()).keys);
      expect(JSON.stringify(await replicaA.jwks())).not.toContain('"d"');
    });

    it('adopts the key another replica put in an emptied store, when a token names a kid it does not know', async () => {
      const config = testConfig([], true);
      const store = new InMemoryKeyValueStore();
      let secretsClock = 0;
      const replica = (checkIntervalMs: number) =>
        new EmbeddedIssuer(config, new StoredSecrets(store, { checkIntervalMs, clock: () => secretsClock }), () => now);
      const replicaA = replica(60_000);
      await replicaA.onModuleInit();
      const verifierA = new TokenVerifier(config, replicaA, () => now);
      const grant = { clientId: 'admin', organisation: 'X26', scopes: ['system/admin.write'] };
      const before = await replicaA.issueToken(grant);
      await store.delete(EmbeddedIssuer.STORE_KEY);
      const restarted = replica(60_000);
      await restarted.onModuleInit();
      const issued = await restarted.issueToken(grant);
      expect((await restarted.jwks()).keys[0]!.kid).not.toBe((await replicaA.jwks()).keys[0]!.kid);

      secretsClock += 1_000;
      await expect(verifierA.verify(issued.accessToken)).resolves.toMatchObject({ clientId: 'admin' });
      expect((await replicaA.jwks()).keys).toEqual((await restarted.jwks()).keys);
      const again = await replicaA.issueToken(grant);
      await expect(new TokenVerifier(config, restarted, () => now).verify(again.accessToken)).resolves.toBeTruthy();
      await expectRejected(before.accessToken, /signing key not found/, new TokenVerifier(config, replicaA, () => now));
    });

    it('refuses embedded-issuer tokens when the embedded issuer is switched off', async () => {
      const onConfig = testConfig([], true);
      const issuer = new EmbeddedIssuer(onConfig, new StoredSecrets(new InMemoryKeyValueStore()), () => now);
      const issued = await issuer.issueToken({
        clientId: 'admin',
        organisation: 'X26',
        scopes: ['system/admin.write'],
      });
      const offVerifier = await build(testConfig([], false));
      await expectRejected(issued.accessToken, /issuer is not trusted/, offVerifier);
    });
  });

  describe('remote JWKS (jwksUri)', () => {
    let server: Server;
    let fetches: number;
    let jwksUri: string;

    beforeAll(async () => {
      fetches = 0;
      server = createServer((req, res) => {
        fetches += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [es256.publicJwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('fetches the keys once and verifies tokens with them', async () => {
      const { jwks: _inline, ...remote } = issuerConfig([]);
      const remoteVerifier = await build(testConfig([{ ...remote, jwksUri }], false));
      await expect(remoteVerifier.verify(await sign(es256, goodClaims({ jti: 'a' })))).resolves.toMatchObject({
        jti: 'a',
      });
      await expect(remoteVerifier.verify(await sign(es256, goodClaims({ jti: 'b' })))).resolves.toMatchObject({
        jti: 'b',
      });
      expect(fetches).toBe(1);
      await expectRejected(await sign(stranger, goodClaims()), /signature verification failed/, remoteVerifier);
    });
  });
});
