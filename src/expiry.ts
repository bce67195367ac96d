/**
 * The maths of expiry: a JWT's `exp`, and when a refresh is due given the clock skew.
 * refresh.ts decides what to do with it.
 * @module
 */
import { jwtDecode } from 'jwt-decode'

/** setTimeout's largest delay; longer ones fire at once. */
const MAX_TIMER = 2 ** 31 - 1

/** `exp` of a JWT in ms since the epoch, or `undefined` for an opaque token. */
export function jwtExpiry(token: string | undefined): number | undefined {
  if (!token || token.split('.').length !== 3) return undefined
  try {
    const { exp } = jwtDecode(token)
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined
  } catch {
    return undefined
  }
}

export interface RefreshPlan {
  /** Server-clock expiry, ms since the epoch. */
  expiresAt: number
  /** `serverTime - localTime` when the status frame arrived; 0 if unknown. */
  skew: number
  /** How long before expiry to refresh. */
  margin: number
  /** Local clock when the credential was accepted. */
  since: number
  /** Local clock now. */
  now: number
}

/**
 * Milliseconds from `now` until the refresh should start. The margin shrinks to a quarter of
 * the credential's lifetime for short-lived credentials, so a 10 s token refreshes at 7.5 s
 * rather than at once. A refresh time already past (a tab that slept) gives 0.
 */
export function refreshDelay({ expiresAt, skew, margin, since, now }: RefreshPlan): number {
  const localExpiry = expiresAt - skew
  const refreshAt = localExpiry - Math.min(margin, Math.max(0, localExpiry - since) / 4)
  return Math.min(MAX_TIMER, Math.max(0, refreshAt - now))
}
