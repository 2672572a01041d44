import { Module } from '@nestjs/common';
import { AccessChain } from './access-chain.js';
import { AuditTrail } from './audit/audit-trail.js';
import { AccessPolicyStore } from './policy/access-policy-store.js';
import { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
import { RateLimiter } from './rate-limit/rate-limiter.js';

/**
 * The access chain, the sharing policy store, the audit trail and rate limiting. Needs the global `LLOYD_CONFIG`
 * (ConfigModule), `KeyValueStore` (StoreModule) and `MetricsService` (ObservabilityModule); `LOGGER` and
 * `ACCESS_CLOCK` are used when provided. Register the guard after the AuthGuard:
 * `{ provide: APP_GUARD, useExisting: RateLimitGuard }`.
 */
@Module({
  providers: [AccessPolicyStore, AccessChain, AuditTrail, RateLimiter, RateLimitGuard],
  exports: [AccessPolicyStore, AccessChain, AuditTrail, RateLimiter, RateLimitGuard],
})
export class AccessModule {}
