import { Module } from '@nestjs/common';
import { AuthGuard } from './auth.guard.js';
import { EmbeddedIssuer } from './embedded-issuer.js';
import { ExchangeClientAssertion } from './exchange-client-assertion.js';
import { TokenVerifier } from './token-verifier.js';

/**
 * Token verification, the embedded issuer and the global guard. Needs the global `LLOYD_CONFIG` (ConfigModule)
 * and `KeyValueStore` (StoreModule). Register the guard with `{ provide: APP_GUARD, useExisting: AuthGuard }`.
 */
@Module({
  providers: [EmbeddedIssuer, TokenVerifier, AuthGuard, ExchangeClientAssertion],
  exports: [EmbeddedIssuer, TokenVerifier, AuthGuard, ExchangeClientAssertion],
})
export class AuthModule {}
