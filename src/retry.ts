/**
 * Retry policy as plain functions: swap in your own `retryDelay`.
 * @module
 */

/** Milliseconds to wait before retry number `retries` (1 for the first retry). */
export type RetryDelay = (retries: number) => number

export interface FullJitterOptions {
  /** Upper bound of the first retry's delay. Default 1000 ms. */
  base?: number
  /** The delay never exceeds this. Default 30 000 ms. */
  cap?: number
}

/**
 * Exponential backoff with full jitter: a uniform random delay in
 * `[0, min(cap, base * 2^(retries-1))]`. Random on every attempt, so a thousand clients
 * dropped by one server restart spread out instead of returning in lockstep.
 */
export function fullJitter({ base = 1000, cap = 30_000 }: FullJitterOptions = {}): RetryDelay {
  return (retries) => Math.random() * Math.min(cap, base * 2 ** Math.max(0, retries - 1))
}
