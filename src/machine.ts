/**
 * The connection's states, the transitions allowed between them, and the one function that
 * decides what happens after an attempt fails. Pure: no socket, no timer, no user callback.
 * @module
 */
import { closeMeaning, type FailureClass } from './close-codes.js'
import type { CredentialReason } from './credentials/provider.js'
import { AuthRejectedError, AuthSocketError } from './errors.js'

/**
 * The connection states.
 * - `idle`: constructed with `autoConnect: false`, not started.
 * - `connecting`: the first attempt: getting a credential, opening the socket.
 * - `authenticating`: the socket is open, waiting for the server's verdict (also during in-band re-authentication).
 * - `open`: authenticated; `send()` goes straight to the wire.
 * - `reconnecting`: after a failed attempt that will be retried, `reconnect()`, or a refresh by reconnect.
 * - `closed`: `close()` was called.
 * - `failed`: stopped for good (forbidden, too many refusals, retries exhausted); `reconnect()` starts over.
 */
export type ConnectionState = 'idle' | 'connecting' | 'authenticating' | 'open' | 'reconnecting' | 'closed' | 'failed'

/** Every allowed transition: `from -> next states`. Anything else is a bug. */
export const TRANSITIONS: { readonly [S in ConnectionState]: readonly ConnectionState[] } = {
  idle: ['connecting', 'closed'],
  connecting: ['authenticating', 'reconnecting', 'failed', 'closed'],
  authenticating: ['open', 'reconnecting', 'failed', 'closed'],
  open: ['authenticating', 'reconnecting', 'failed', 'closed'],
  reconnecting: ['authenticating', 'failed', 'closed'],
  closed: ['connecting'],
  failed: ['connecting', 'closed'],
}

/** States with no run behind them: nothing is attempted until `connect()` or `reconnect()`. */
export const isStopped = (state: ConnectionState): boolean =>
  state === 'idle' || state === 'closed' || state === 'failed'

/** Throws if `from -> to` is not in {@link TRANSITIONS}: a client bug, never a user error. */
export function checkTransition(from: ConnectionState, to: ConnectionState): void {
  if (!TRANSITIONS[from].includes(to)) throw new Error(`authsocket bug: no transition ${from} -> ${to}`)
}

/** A change of state, as the `state` event carries it. */
export interface StateChange {
  state: ConnectionState
  previous: ConnectionState
}

/** The change `from -> to` (checked), or `undefined` when the state stays. */
export function transition(from: ConnectionState, to: ConnectionState): StateChange | undefined {
  if (from === to) return undefined
  checkTransition(from, to)
  return { state: to, previous: from }
}

/** The consecutive-failure counts the decision reads; each resets as documented. */
export interface Counters {
  /** Failed attempts since the last authentication: bounded by `retryAttempts`, drives the network backoff. */
  readonly retries: number
  /** Refused credentials since the last authentication: bounded by `maxAuthFailures`. */
  readonly authFailures: number
  /** Attempts closed before opening since the last open: bounded by `maxHandshakeFailures`. */
  readonly handshakeFailures: number
}

export const NO_FAILURES: Counters = { retries: 0, authFailures: 0, handshakeFailures: 0 }

export interface Limits {
  readonly maxAuthFailures: number
  readonly retryAttempts: number
  readonly maxHandshakeFailures: number
}

/** How an attempt failed, already classified (the `classify` option runs before this). */
export interface Outcome {
  readonly cls: FailureClass
  /**
   * What said so: a status frame, a close, the upgrade's HTTP status, the credential endpoint, or something of the
   * client's own.
   */
  readonly source: 'frame' | 'close' | 'handshake' | 'endpoint' | 'client'
  /** Whether the socket had opened. */
  readonly opened: boolean
  /** The frame's or endpoint's status, the close code, or the HTTP status. */
  readonly status: number
  readonly detail?: string
  /** The redacted socket URL, for messages. */
  readonly url: string
  /** The credential reason of the attempt that failed. */
  readonly reason: CredentialReason
  /**
   * An error the client built, reported as is: transient (timeouts, credential fetches), or the reason for a `fatal`
   * end.
   */
  readonly error?: AuthSocketError
}

export interface Decision {
  readonly state: 'reconnecting' | 'failed'
  readonly counters: Counters
  /** Why the next credential is asked for. */
  readonly reason: CredentialReason
  /** The retry number handed to `retryDelay`; 0 means at once. */
  readonly backoff: number
  /** For a refusal: the `unauthenticated` event. */
  readonly refusal?: { status: number; detail: string | undefined; willRetry: boolean }
  /** Why the client is `failed`. */
  readonly error?: AuthSocketError
}

const quoted = (detail: string | undefined) => (detail ? `: "${detail.slice(0, 200)}"` : '')

/**
 * Retry or stop, on one screen. A refusal a fresh credential may fix is retried promptly
 * (its own small backoff), not after the network backoff that an outage grew; a network
 * failure backs off by the number of failed attempts in a row.
 */
export function decide(outcome: Outcome, counters: Counters, limits: Limits): Decision {
  const { cls, status, detail, opened } = outcome
  const retries = counters.retries + 1
  const authFailures = counters.authFailures + (cls === 'unauthorized' ? 1 : 0)
  const closedEarly = !opened && (outcome.source === 'close' || outcome.source === 'handshake')
  const handshakeFailures = opened ? 0 : counters.handshakeFailures + (closedEarly ? 1 : 0)
  const next: Counters = { retries, authFailures, handshakeFailures }
  const fail = (error: AuthSocketError): Decision => ({
    state: 'failed',
    counters: next,
    reason: outcome.reason,
    backoff: 0,
    error,
    refusal: cls === 'unauthorized' || cls === 'forbidden' ? { status, detail, willRetry: false } : undefined,
  })

  if (cls === 'forbidden') {
    // DRF answers 403 to "not signed in" when SessionAuthentication comes first: only then is classify the fix.
    const hint = /authenticat|credential|sign|log/i.test(detail ?? '')
      ? ' If it means "not signed in", map it with classify.'
      : ''
    return fail(
      new AuthRejectedError(
        'FORBIDDEN',
        `Forbidden (${status})${quoted(detail)}; not retrying.${hint}`,
        status,
        detail,
      ),
    )
  }
  if (cls === 'fatal') {
    // signed out (CredentialRejectedError), or a WebSocket constructor that threw
    if (outcome.error) return fail(outcome.error)
    if (outcome.source !== 'handshake') {
      return fail(
        new AuthSocketError(
          'FATAL_CLOSE',
          `The server closed ${outcome.url} with ${status}${quoted(detail)}: ${closeMeaning(status)}. Not retrying.`,
        ),
      )
    }
    return fail(
      new AuthSocketError(
        'HANDSHAKE_REFUSED',
        `The server answered ${outcome.url} with HTTP ${status}${quoted(detail)}; a retry would get the same. ` +
          "Check the URL path and the server's routes.",
      ),
    )
  }
  if (cls === 'unauthorized' && authFailures >= limits.maxAuthFailures) {
    const by = outcome.source === 'endpoint' ? 'credential endpoint' : 'server'
    const refused = new AuthRejectedError(
      'UNAUTHORIZED',
      `The ${by} refused ${authFailures} fresh credentials in a row (last ${status})${quoted(detail)}. Sign in again, then reconnect().`,
      status,
      detail,
    )
    return fail(new AuthSocketError('AUTH_FAILURES_EXHAUSTED', refused.message, { cause: refused }))
  }
  if (cls === 'network' && closedEarly && handshakeFailures >= limits.maxHandshakeFailures) {
    return fail(
      new AuthSocketError(
        'HANDSHAKE_REFUSED',
        `${handshakeFailures} attempts in a row closed before opening (last ${status}): ` +
          'how plain Channels refuses a credential. Sign in again, then reconnect(); ' +
          'if the server may be down, raise maxHandshakeFailures.',
      ),
    )
  }
  if (retries > limits.retryAttempts) {
    return fail(
      new AuthSocketError(
        'RETRIES_EXHAUSTED',
        `Gave up after ${retries} failed attempts in a row (last: ${outcome.source} ${status}); reconnect() tries again.`,
      ),
    )
  }
  if (cls === 'unauthorized') {
    // Backed off by refusals, not by failed attempts: the network is fine, the credential was not (jittered, so a fleet
    // refused at once spreads out).
    return {
      state: 'reconnecting',
      counters: next,
      reason: 'rejected',
      backoff: authFailures,
      refusal: { status, detail, willRetry: true },
    }
  }
  // A refused credential stays suspect until one is accepted: keep asking for a fresh one.
  const reason = outcome.reason === 'rejected' ? 'rejected' : 'reconnect'
  return { state: 'reconnecting', counters: next, reason, backoff: retries }
}
