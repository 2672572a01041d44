import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC, tokenOf } from '@lloyd/auth';
import { OperationOutcomeError } from '@lloyd/fhir';
import { RateLimiter, type RateLimitVerdict } from './rate-limiter.js';

interface HeaderReply {
  header(name: string, value: string): unknown;
}

export function rateLimitHeaders(verdict: RateLimitVerdict): Record<string, string> {
  return {
    'x-rate-limit-limit': String(verdict.limit),
    'x-rate-limit-remaining': String(verdict.remaining),
    'x-rate-limit-reset': String(verdict.resetSeconds),
  };
}

/**
 * Applies {@link RateLimiter} per consumer organisation (the verified token's `requesting_organization`) on every
 * authenticated route, with `X-Rate-Limit-Limit`, `-Remaining` and `-Reset` on each response; over the limit it
 * answers 429 `TOO_MANY_REQUESTS` with `Retry-After`. `@Public()` routes and requests without a verified token are
 * not counted. It must run after the AuthGuard, which leaves the token on the request: register it as a second
 * `APP_GUARD` after AuthGuard.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true) return true;
    const http = context.switchToHttp();
    const token = tokenOf(http.getRequest<object>());
    // Only the AuthGuard lets a request through without a token (public routes); nothing to count it against.
    if (!token) return true;
    const verdict = await this.limiter.take(token.organisation);
    const headers = rateLimitHeaders(verdict);
    const reply = http.getResponse<HeaderReply>();
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    if (verdict.allowed) return true;
    throw tooManyRequests(token.organisation, verdict);
  }
}

/** 429 `TOO_MANY_REQUESTS` for an organisation over its limit, with the rate-limit headers and `Retry-After`. */
export function tooManyRequests(organisation: string, verdict: RateLimitVerdict): OperationOutcomeError {
  return OperationOutcomeError.of(
    'TOO_MANY_REQUESTS',
    `Organisation ${organisation} has used its limit of ${verdict.limit} requests per ${verdict.windowSeconds} s. ` +
      `Try again in ${verdict.resetSeconds} s (see Retry-After); if your service needs a higher limit, ask the Lloyd administrators.`,
    { headers: { ...rateLimitHeaders(verdict), 'retry-after': String(verdict.resetSeconds) } },
  );
}
