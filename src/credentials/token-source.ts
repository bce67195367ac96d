import { AuthSocketError } from '../errors.js'
import { jwtExpiry } from '../expiry.js'
import type { CredentialReason } from './provider.js'

/** What a token source is told when it is asked. */
export interface TokenContext {
  readonly reason: CredentialReason
  /** Aborted when nobody waits for the answer any more. */
  readonly signal: AbortSignal
  /** With reason `expiring`: when the token being replaced expires (ms since the epoch), if known. */
  readonly expiresAt?: number
}

/**
 * A token: a fixed string, or a sync or async function called before every attempt.
 * Throw a `CredentialRejectedError` from it to say the user is logged out.
 */
export type TokenSource = string | ((ctx: TokenContext) => string | Promise<string>)

/** A token as a provider gets it: the value, and its JWT `exp` if it has one. */
export interface Token {
  readonly value: string
  readonly expiresAt: number | undefined
}

/** Asks a token source; concurrent asks share one in-flight call. */
export type TokenGetter = (ctx: TokenContext) => Promise<Token>

interface Flight {
  promise: Promise<Token>
  controller: AbortController
  waiters: number
}

function abortError(): AuthSocketError {
  return new AuthSocketError('CREDENTIAL_FETCH_FAILED', 'The credential request was cancelled.')
}

/** `promise`, or a rejection as soon as `signal` aborts; the abort listener goes when either happens. */
function untilSettledOrAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError())
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError())
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/

/** What is wrong with what a token source returned, or `undefined`. */
function tokenProblem(token: unknown): string | undefined {
  if (typeof token !== 'string') return `returned ${typeof token}`
  if (token === '') return 'returned an empty string'
  if (CONTROL_CHARACTERS.test(token)) return 'returned a token with control characters (CR, LF, ...)'
  return undefined
}

/**
 * `token` if it is a non-empty string that can go in a URL, a header or a frame. Control
 * characters (CR, LF, ...) would break a header, and the runtime's error would quote the token.
 */
function checked(token: unknown, code: 'INVALID_OPTIONS' | 'CREDENTIAL_FETCH_FAILED'): string {
  const problem = tokenProblem(token)
  if (problem)
    throw new AuthSocketError(
      code,
      `The token source ${problem}: it must return the token, a non-empty string without control characters.`,
    )
  return token as string
}

/**
 * Wraps a token source so that concurrent asks share one in-flight call, the answer is
 * checked, and the shared call is aborted once every asker has gone away.
 *
 * Sockets that share a provider also share renewals: an `expiring` ask is answered with the
 * last token fetched if that token is a JWT expiring later than the one being replaced, so a
 * thousand sockets reaching expiry together cost one fetch, not one per straggler.
 */
export function tokenGetter(source: TokenSource): TokenGetter {
  if (typeof source === 'string') {
    const fixed = { value: checked(source, 'INVALID_OPTIONS'), expiresAt: jwtExpiry(source) }
    return () => Promise.resolve(fixed)
  }
  if (typeof source !== 'function') {
    throw new AuthSocketError('INVALID_OPTIONS', `A token source must be a string or a function, not ${typeof source}.`)
  }
  let flight: Flight | undefined
  let latest: Token | undefined
  return async (ctx) => {
    if (ctx.signal.aborted) throw abortError()
    if (
      ctx.reason === 'expiring' &&
      ctx.expiresAt !== undefined &&
      latest?.expiresAt !== undefined &&
      latest.expiresAt > ctx.expiresAt
    ) {
      return latest
    }
    if (!flight) {
      const controller = new AbortController()
      const started: Flight = {
        controller,
        waiters: 0,
        promise: Promise.resolve()
          .then(() => source({ reason: ctx.reason, signal: controller.signal, expiresAt: ctx.expiresAt }))
          .then((token) => {
            latest = { value: checked(token, 'CREDENTIAL_FETCH_FAILED'), expiresAt: jwtExpiry(token) }
            return latest
          })
          .finally(() => {
            if (flight === started) flight = undefined
          }),
      }
      started.promise.catch(() => undefined) // every waiter handles it; an abandoned flight must not be unhandled
      flight = started
    }
    const current = flight
    current.waiters++
    try {
      // The signal lives as long as the socket's run: a listener left behind per ask would pile up.
      return await untilSettledOrAborted(current.promise, ctx.signal)
    } finally {
      current.waiters--
      if (current.waiters === 0 && ctx.signal.aborted) {
        current.controller.abort()
        if (flight === current) flight = undefined // a source that ignores its signal must not hold up the next ask
      }
    }
  }
}
