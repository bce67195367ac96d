/**
 * When to renew the credential: the expiry timer, the wake re-check, and the floor and backoff
 * that keep a wrong clock or a lying `expires_at` from turning into a refresh loop. It owns
 * `expiresAt` and the clock skew; the client decides how to renew (in band or by reconnect).
 * @module
 */
import { refreshDelay } from './expiry.js'

/** A credential with less life than this when accepted is "hurried": refreshing it again at once could loop. */
const MIN_LIFETIME = 1000
/** The first hurried refresh runs at once; each further one in a row waits this, doubling, up to {@link MAX_WAIT}. */
const FIRST_WAIT = 1000
const MAX_WAIT = 30_000

export class Refresher {
  readonly #margin: number
  readonly #onDue: () => void
  #timer: ReturnType<typeof setTimeout> | undefined
  #expiresAt: number | undefined
  /** `serverTime - localTime` from the last status frame that said; kept across credentials. */
  #skew = 0
  /** Local clock when the current credential was accepted. */
  #since = 0
  /** Local clock of the last acceptance or failed renewal: backoff waits count from here. */
  #anchor = 0
  /** Hurried credentials in a row (see {@link MIN_LIFETIME}). */
  #hurried = 0
  /** Renewals that failed in a row (in band: the token source or the frame). */
  #failures = 0

  constructor(margin: number, onDue: () => void) {
    this.#margin = margin
    this.#onDue = onDue
  }

  /** When the current credential expires, server clock, ms since the epoch. */
  get expiresAt(): number | undefined {
    return this.#expiresAt
  }

  /** A credential was accepted: schedule its renewal. `serverTime` is the server's clock, if it said. */
  accept(expiresAt: number | undefined, serverTime: number | undefined): void {
    const now = Date.now()
    if (serverTime !== undefined) this.#skew = serverTime - now
    this.#expiresAt = expiresAt
    this.#since = now
    this.#anchor = now
    this.#failures = 0
    if (expiresAt === undefined) {
      this.#hurried = 0
      this.#clear()
      return
    }
    this.#hurried = expiresAt - this.#skew - now < MIN_LIFETIME ? this.#hurried + 1 : 0
    this.#schedule(now)
  }

  /** A renewal failed and the current credential is kept: try again after a backoff. */
  failed(): void {
    this.#failures++
    this.#anchor = Date.now()
    this.#schedule(this.#anchor)
  }

  /** The page woke up or came back online: timers may have slept, so re-plan from the clock. */
  recheck(): void {
    if (this.#timer !== undefined) this.#schedule(Date.now())
  }

  /** Forgets the timer (the credential stays known until the next `accept`). */
  stop(): void {
    this.#clear()
  }

  /**
   * Ms until the renewal: the plan from the expiry, never sooner than the backoff of hurried or failed renewals allows.
   */
  #schedule(now: number): void {
    this.#clear()
    if (this.#expiresAt === undefined) return
    const planned = refreshDelay({
      expiresAt: this.#expiresAt,
      skew: this.#skew,
      margin: this.#margin,
      since: this.#since,
      now,
    })
    const step = Math.max(this.#hurried - 1, this.#failures)
    const floor = step === 0 ? 0 : Math.min(MAX_WAIT, FIRST_WAIT * 2 ** (step - 1)) - (now - this.#anchor)
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined
        this.#onDue()
      },
      Math.max(planned, floor),
    )
  }

  #clear(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
