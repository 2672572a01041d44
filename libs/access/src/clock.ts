/** Milliseconds since the epoch; injected so tests can move time instead of waiting. */
export type AccessClock = () => number;

/** Optional injection token for an {@link AccessClock}; without it the access lib uses `Date.now`. */
export const ACCESS_CLOCK = Symbol('ACCESS_CLOCK');
