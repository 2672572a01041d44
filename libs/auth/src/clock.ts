/** Milliseconds since the epoch; injected so tests can move time instead of waiting. */
export type Clock = () => number;

/** Optional injection token for a {@link Clock}; without it auth uses `Date.now`. */
export const AUTH_CLOCK = Symbol('AUTH_CLOCK');
