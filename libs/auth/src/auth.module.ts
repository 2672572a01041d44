import { Module } from '@nestjs/common';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { LOGGER, MetricsService, type AppLogger } from '@lloyd/observability';
import { KeyValueStore } from '@lloyd/store';
import { AuthGuard } from './auth.guard.js';
import { EmbeddedIssuer } from './embedded-issuer.js';
import { ExchangeClientAssertion } from './exchange-client-assertion.js';
import { STORED_SECRET_CHECK_DEFAULT_MS, STORED_SECRET_CHECK_MS, StoredSecrets } from './stored-secrets.js';
import { TokenVerifier } from './token-verifier.js';

/**
 * Token verification, the embedded issuer, the global guard and the secrets kept in the store. Needs the global
 * `LLOYD_CONFIG` (ConfigModule) and `KeyValueStore` (StoreModule). Register the guard with
 * `{ provide: APP_GUARD, useExisting: AuthGuard }`.
 */
@Module({
  providers: [
    {
      provide: StoredSecrets,
      inject: [
        KeyValueStore,
        LLOYD_CONFIG,
        { token: STORED_SECRET_CHECK_MS, optional: true },
        { token: MetricsService, optional: true },
        { token: LOGGER, optional: true },
      ],
      useFactory: (
        store: KeyValueStore,
        config: LloydConfig,
        checkMs?: number,
        metrics?: MetricsService,
        logger?: AppLogger,
      ) =>
        new StoredSecrets(store, {
          // The in-process store cannot lose its data under the running process: there is nothing to check.
          checkIntervalMs: checkMs ?? (config.store.redisUrl ? STORED_SECRET_CHECK_DEFAULT_MS : 0),
          metrics,
          logger,
        }),
    },
    EmbeddedIssuer,
    TokenVerifier,
    AuthGuard,
    ExchangeClientAssertion,
  ],
  exports: [StoredSecrets, EmbeddedIssuer, TokenVerifier, AuthGuard, ExchangeClientAssertion],
})
export class AuthModule {}
