import { Module } from '@nestjs/common';
import { AccessChain } from './access-chain.js';
import { AuditTrail } from './audit/audit-trail.js';
import { AccessPolicyStore } from './policy/access-policy-store.js';
import { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
import { RateLimiter } from './rate-limit/rate-limiter.js';
import { SensitiveCodes } from './sensitive-codes.js';

/**
 * The access chain, the sharing policy store, the audit trail, rate limiting and the sensitive-code tagger. Needs
 * the global `LLOYD_CONFIG` (ConfigModule), `KeyValueStore` (StoreModule) and `MetricsService` (ObservabilityModule); `LOGGER` and
 * `ACCESS_CLOCK` are used when provided. Register the guard after the AuthGuard:
 * `{ provide: APP_GUARD, useExisting: RateLimitGuard }`.
 */
@Module({
  providers: [AccessPolicyStore, AccessChain, AuditTrail, RateLimiter, RateLimitGuard, SensitiveCodes],
  exports: [AccessPolicyStore, AccessChain, AuditTrail, RateLimiter, RateLimitGuard, SensitiveCodes],
})
export class AccessModule {}
