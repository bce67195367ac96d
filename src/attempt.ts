/**
 * One connection attempt as data, and getting its credential: every provider call runs with
 * the attempt's abort signal and a deadline, and whatever it throws becomes an outcome.
 * @module
 */
import type { RetryHint } from './retry-hint.js'
import type { CredentialContext, CredentialReason, PreparedAttempt } from './credentials/provider.js'
import { redactUrl } from './redact.js'
import { AuthRejectedError, AuthSocketError, CredentialRejectedError, describeCause, safeCause } from './errors.js'
import type { FrameRules } from './inbound.js'
import type { Failure } from './close-codes.js'
import type { HeartbeatTimer } from './heartbeat.js'
import type { FlushTarget } from './outbox.js'
import type { Outcome } from './machine.js'
import type { SocketClosed } from './transport.js'

/** One connection attempt, from asking for a credential to the end of its socket. Its timers die with it. */
export interface Attempt {
  readonly id: number
  /** Why its credential was asked for; `reconnect` once it authenticated. */
  reason: CredentialReason
  /** Aborted when the attempt ends: cancels its credential asks and its backoff wait. */
  readonly ended: AbortController
  /** Redacted URL, safe to show. */
  url: string
  /** Handed to the transport: it has (or had) a socket. */
  socket: boolean
  opened: boolean
  authenticated: boolean
  /** Waiting for a status frame (the auth timer runs). */
  awaiting: boolean
  /** The server accepts in-band re-authentication on this socket. */
  reauth: boolean
  expiresAt: number | undefined
  greeting: string | undefined
  rules: FrameRules<unknown> | undefined
  /** The backoff wait or the auth timer, whichever runs. */
  timer: ReturnType<typeof setTimeout> | undefined
  /** Ends the backoff wait early (the network came back). */
  wake: (() => void) | undefined
  /** Runs while the attempt is authenticated, if the heartbeat is on. */
  heartbeat: HeartbeatTimer | undefined
  /** How the outbox writes to this attempt's socket, and the session frame it opens it with: made from the verdict. */
  writer?: FlushTarget
  /** Acknowledged sends are on for this socket (announced in the 200 frame, or forced). */
  acks: boolean
  /** On this socket the server numbers its messages and replays what was missed, in the stream `epoch`. */
  resume: { epoch?: string } | undefined
  /**
   * When the server said to come back (a retry frame or close reason): the next attempt waits that long instead of
   * backing off.
   */
  retryHint?: RetryHint
}

/** How an attempt ended, before the attempt's own facts (URL, reason, opened) are added. */
export type End = Omit<Outcome, 'url' | 'reason' | 'opened'>

export function newAttempt(id: number, reason: CredentialReason, url: string): Attempt {
  return {
    id,
    reason,
    ended: new AbortController(),
    url,
    socket: false,
    opened: false,
    authenticated: false,
    awaiting: false,
    reauth: false,
    expiresAt: undefined,
    greeting: undefined,
    rules: undefined,
    timer: undefined,
    wake: undefined,
    heartbeat: undefined,
    acks: false,
    resume: undefined,
  }
}

/**
 * Takes what the provider prepared into the attempt; returns what the transport opens (the `protocols` and `origin`
 * options added).
 */
export function takePrepared(
  attempt: Attempt,
  prepared: PreparedAttempt,
  o: { origin?: string; redactParams: readonly string[]; protocols: readonly string[] },
): PreparedAttempt {
  attempt.url = redactUrl(prepared.url, [...o.redactParams, ...(prepared.secretParams ?? [])])
  attempt.expiresAt = prepared.expiresAt
  attempt.greeting = prepared.greeting
  attempt.socket = true
  const opened = o.protocols.length
    ? { ...prepared, protocols: [...o.protocols, ...(prepared.protocols ?? [])] }
    : prepared
  return o.origin ? { ...opened, headers: { ...opened.headers, Origin: o.origin } } : opened
}

/** A backoff timer this much past its time was held up by a sleeping machine or a frozen page, not by a busy one. */
export const LATE = 5000

/**
 * Waits `ms` for the attempt's backoff (with none, until woken); the attempt ending or `wake()`
 * cut it short. Resolves `true` when the timer fired over 5 s late: the machine slept or the
 * page was frozen, so the failures that grew the backoff are old news.
 */
export function backoff(attempt: Attempt, ms?: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const due = ms === undefined ? Infinity : Date.now() + ms
    const done = () => {
      clearTimeout(attempt.timer)
      attempt.wake = undefined
      resolve(Date.now() - due > LATE)
    }
    attempt.wake = done
    if (ms !== undefined) attempt.timer = setTimeout(done, ms)
    attempt.ended.signal.addEventListener('abort', done, { once: true })
  })
}

/**
 * Runs a provider call for `attempt`: aborted when the attempt ends, and rejected with
 * `CREDENTIAL_FETCH_FAILED` (the call aborted too) when `ms` pass first.
 */
export function ask<T>(
  attempt: Attempt,
  ms: number,
  kind: string,
  ctx: Omit<CredentialContext, 'signal'>,
  call: (ctx: CredentialContext) => Promise<T>,
): Promise<T> {
  const controller = new AbortController()
  const abort = () => controller.abort()
  attempt.ended.signal.addEventListener('abort', abort, { once: true })
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      controller.abort()
      reject(
        new AuthSocketError(
          'CREDENTIAL_FETCH_FAILED',
          `The ${kind} provider gave no credential within ${ms} ms (credentialTimeout); retrying.`,
        ),
      )
    }, ms)
    Promise.resolve()
      .then(() => call({ ...ctx, signal: controller.signal }))
      .then(resolve, reject)
      .finally(() => {
        clearTimeout(timer)
        attempt.ended.signal.removeEventListener('abort', abort)
      })
  })
}

/** The end of an attempt the heartbeat found dead: transient, the client reconnects. */
export function heartbeatDead(timeout: number, url: string): End {
  const error = new AuthSocketError(
    'HEARTBEAT_TIMEOUT',
    `Nothing from ${url} within ${timeout} ms of a ping: the connection is dead (or the server frozen). Dropped it; reconnecting.`,
  )
  return { cls: 'network', source: 'client', status: 1006, error }
}

/** The end of an attempt whose server sent no status frame within `ms` (`authTimeout`): transient, not a refusal. */
export function authTimedOut(ms: number, url: string): End {
  const error = new AuthSocketError(
    'AUTH_TIMEOUT',
    `No status frame within ${ms} ms (authTimeout) from ${url}; retrying. ` +
      "A server that sends none (plain Channels) needs confirm: 'open'; other frame shapes, a statusParser.",
  )
  return { cls: 'network', source: 'client', status: 4008, error }
}

/**
 * What a socket's close says: an `end` already decided (the WebSocket constructor threw), or the
 * failure to classify, with the error to report alongside (a frame over the payload cap).
 */
export function readClose(
  attempt: Attempt,
  closed: SocketClosed,
  maxMessageSize: number,
): { end: End } | { failure: Exclude<Failure, { kind: 'frame' }>; error?: AuthSocketError } {
  if (closed.thrown !== undefined) {
    // The constructor's own message can quote the subprotocols, which may hold the token: name the error only.
    const error = new AuthSocketError(
      'INVALID_OPTIONS',
      `The WebSocket constructor threw ${describeCause(closed.thrown)}: check the URL and subprotocols.`,
    )
    return { end: { cls: 'fatal', source: 'client', status: closed.code, error } }
  }
  const error = closed.oversize
    ? new AuthSocketError(
        'FRAME_TOO_LARGE',
        `${attempt.url} sent a frame over maxMessageSize (${maxMessageSize}): ws closed the socket; reconnecting.`,
      )
    : undefined
  const status = attempt.opened ? undefined : closed.status
  return {
    failure:
      status !== undefined
        ? { kind: 'handshake', status }
        : { kind: 'close', code: closed.code, reason: closed.reason, opened: attempt.opened },
    error,
  }
}

/** What a failed provider call means: signed out (fatal), a refused credential, or a transient failure. */
export function credentialFailure(cause: unknown, kind: string): End {
  if (cause instanceof CredentialRejectedError)
    return { cls: 'fatal', source: 'client', status: cause.status ?? 0, error: cause }
  if (cause instanceof AuthRejectedError)
    return { cls: 'unauthorized', source: 'endpoint', status: cause.status, detail: cause.detail }
  const error =
    cause instanceof AuthSocketError
      ? cause
      : new AuthSocketError(
          'CREDENTIAL_FETCH_FAILED',
          `The ${kind} provider threw ${describeCause(cause)}; retrying.`,
          { cause: safeCause(cause) },
        )
  return { cls: 'network', source: 'client', status: 0, error }
}
