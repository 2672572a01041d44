import { Inject, Injectable, Optional } from '@nestjs/common';
import { LLOYD_CONFIG, type LloydConfig } from '@lloyd/config';
import { KeyValueStore } from '@lloyd/store';
import { ACCESS_CLOCK, type AccessClock } from '../clock.js';

export interface RateLimitVerdict {
  allowed: boolean;
  /** Requests allowed per window for this organisation. */
  limit: number;
  /** Requests left in the current window (0 once exceeded). */
  remaining: number;
  /** Seconds until the current window ends and the count starts again. */
  resetSeconds: number;
  /** Length of a window in seconds. */
  windowSeconds: number;
}

/**
 * Per consumer organisation, fixed-window request limits (`config.access.rateLimits`), counted in the
 * {@link KeyValueStore} so every gateway replica shares one count on Redis. Each window has its own counter key,
 * which expires shortly after the window ends.
 */
@Injectable()
export class RateLimiter {
  private readonly clock: AccessClock;

  constructor(
    @Inject(LLOYD_CONFIG) private readonly config: LloydConfig,
    private readonly store: KeyValueStore,
    @Optional() @Inject(ACCESS_CLOCK) clock?: AccessClock,
  ) {
    this.clock = clock ?? Date.now;
  }

  /** The organisation's limit per window. */
  limitFor(organisation: string): number {
    const { perOrganisation, defaultLimit } = this.config.access.rateLimits;
    return perOrganisation[organisation] ?? defaultLimit;
  }

  /** Counts one request for `organisation` and says whether it is within the limit. */
  async take(organisation: string): Promise<RateLimitVerdict> {
    const { windowSeconds } = this.config.access.rateLimits;
    const windowMillis = windowSeconds * 1000;
    const now = this.clock();
    const window = Math.floor(now / windowMillis);
    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * windowMillis - now) / 1000));
    const limit = this.limitFor(organisation);
    // The key outlives its window by a second so a slow replica never restarts a finished window's count.
    const count = await this.store.increment(`ratelimit:${organisation}:${window}`, { ttlSeconds: resetSeconds + 1 });
    return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetSeconds, windowSeconds };
  }
}
