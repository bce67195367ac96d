/**
 * The server's word on when to come back (PROTOCOL.md section 7, "Retry hints"): a frame
 * `{"action":"retry","after":ms,"jitter":ms}`, or a close reason `{"retry":{"after":ms,"jitter":ms}}`.
 * The next attempt then waits `after` plus a random part of `jitter` instead of the client's own
 * backoff. Bounded: a lying server can park a client for {@link MAX_RETRY_HINT} at the most, and
 * a hint that is not two non-negative numbers is ignored.
 * @module
 */

/** The longest wait a hint can ask for: an hour asked is this. */
export const MAX_RETRY_HINT = 60_000

/** A hint as the server gave it, checked: milliseconds. */
export interface RetryHint {
  readonly after: number
  readonly jitter: number
}

const isWait = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0

/** The hint in a frame's or a close reason's `{after, jitter}`, or `undefined` when it is not one. */
export function readRetryHint(value: unknown): RetryHint | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { after, jitter = 0 } = value as { after?: unknown; jitter?: unknown }
  if (!isWait(after) || !isWait(jitter)) return undefined
  return { after, jitter }
}

/** The hint in a close reason (`{"retry":{...}}`), if it holds one. */
export function retryHintOfClose(reason: string): RetryHint | undefined {
  if (!reason.startsWith('{')) return undefined
  try {
    return readRetryHint((JSON.parse(reason) as { retry?: unknown }).retry)
  } catch {
    return undefined
  }
}

/** How long to wait: `after` plus a uniform part of `jitter`, at most {@link MAX_RETRY_HINT}. */
export function hintedDelay(hint: RetryHint, random: () => number = Math.random): number {
  return Math.min(MAX_RETRY_HINT, hint.after + random() * hint.jitter)
}
