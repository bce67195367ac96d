/** machine.ts on its own: the transition table and the one decision, as pure functions. */
import { describe, expect, it } from 'vitest'
import {
  checkTransition,
  decide,
  NO_FAILURES,
  TRANSITIONS,
  type ConnectionState,
  type Counters,
  type Outcome,
} from '../../src/machine.js'
import { AuthSocketError } from '../../src/index.js'

const limits = { maxAuthFailures: 3, retryAttempts: Infinity, maxHandshakeFailures: Infinity }
const outcome = (over: Partial<Outcome>): Outcome => ({
  cls: 'network',
  source: 'close',
  opened: true,
  status: 1006,
  url: 'ws://h/ws/',
  reason: 'reconnect',
  ...over,
})

describe('the transition table', () => {
  it('allows exactly the documented moves; anything else throws', () => {
    const states = Object.keys(TRANSITIONS) as ConnectionState[]
    const allowed = states.flatMap((from) => TRANSITIONS[from].map((to) => `${from}->${to}`))
    expect(allowed).toEqual([
      'idle->connecting',
      'idle->closed',
      'connecting->authenticating',
      'connecting->reconnecting',
      'connecting->failed',
      'connecting->closed',
      'authenticating->open',
      'authenticating->reconnecting',
      'authenticating->failed',
      'authenticating->closed',
      'open->authenticating',
      'open->reconnecting',
      'open->failed',
      'open->closed',
      'reconnecting->authenticating',
      'reconnecting->failed',
      'reconnecting->closed',
      'closed->connecting',
      'failed->connecting',
      'failed->closed',
    ])
    for (const from of states)
      for (const to of states) {
        if (from === to) continue
        if (TRANSITIONS[from].includes(to)) expect(() => checkTransition(from, to)).not.toThrow()
        else expect(() => checkTransition(from, to)).toThrow(/authsocket bug: no transition/)
      }
  })
})

describe('decide()', () => {
  it('a network failure backs off by failed attempts in a row and keeps a rejected credential suspect', () => {
    let counters: Counters = NO_FAILURES
    const backoffs: number[] = []
    for (let i = 0; i < 4; i++) {
      const decision = decide(outcome({ opened: false }), counters, limits)
      expect(decision.state).toBe('reconnecting')
      backoffs.push(decision.backoff)
      counters = decision.counters
    }
    expect(backoffs).toEqual([1, 2, 3, 4])
    expect(counters.handshakeFailures).toBe(4)
    expect(decide(outcome({ reason: 'rejected' }), NO_FAILURES, limits).reason).toBe('rejected')
    expect(decide(outcome({ reason: 'expiring' }), NO_FAILURES, limits).reason).toBe('reconnect')
  })

  it('a refusal backs off by refusals, not by the grown network count, and fails after maxAuthFailures', () => {
    const afterOutage: Counters = { retries: 9, authFailures: 0, handshakeFailures: 9 }
    const first = decide(outcome({ cls: 'unauthorized', source: 'frame', status: 401 }), afterOutage, limits)
    expect(first).toMatchObject({
      state: 'reconnecting',
      reason: 'rejected',
      backoff: 1,
      refusal: { status: 401, willRetry: true },
    })
    const last = decide(
      outcome({ cls: 'unauthorized', source: 'frame', status: 401, detail: 'bad' }),
      { retries: 2, authFailures: 2, handshakeFailures: 0 },
      limits,
    )
    expect(last.state).toBe('failed')
    expect(last.error).toMatchObject({
      code: 'AUTH_FAILURES_EXHAUSTED',
      cause: { code: 'UNAUTHORIZED', status: 401, detail: 'bad' },
    })
    expect(last.refusal).toEqual({ status: 401, detail: 'bad', willRetry: false })
  })

  it('forbidden and fatal stop at once; a fatal outcome with its own error keeps it', () => {
    expect(
      decide(outcome({ cls: 'forbidden', source: 'frame', status: 403 }), NO_FAILURES, limits).error,
    ).toMatchObject({ code: 'FORBIDDEN', status: 403 })
    // The classify hint only where a 403 may mean "not signed in" (DRF), not for an Origin refusal.
    expect(
      decide(
        outcome({
          cls: 'forbidden',
          source: 'frame',
          status: 403,
          detail: 'Authentication credentials were not provided.',
        }),
        NO_FAILURES,
        limits,
      ).error!.message,
    ).toMatch(/map it with classify/)
    expect(
      decide(
        outcome({ cls: 'forbidden', source: 'frame', status: 403, detail: 'Origin http://x is not allowed' }),
        NO_FAILURES,
        limits,
      ).error!.message,
    ).not.toMatch(/classify/)
    const notFound = decide(
      outcome({ cls: 'fatal', source: 'handshake', status: 404, opened: false }),
      NO_FAILURES,
      limits,
    )
    expect(notFound).toMatchObject({ state: 'failed', error: { code: 'HANDSHAKE_REFUSED' } })
    expect(notFound.error!.message).toMatch(/answered ws:\/\/h\/ws\/ with HTTP 404/)
    const own = new AuthSocketError('INVALID_OPTIONS', 'x')
    expect(decide(outcome({ cls: 'fatal', source: 'client', error: own }), NO_FAILURES, limits).error).toBe(own)
  })

  it('limits: retryAttempts and maxHandshakeFailures', () => {
    expect(
      decide(outcome({}), { retries: 2, authFailures: 0, handshakeFailures: 0 }, { ...limits, retryAttempts: 2 }).error,
    ).toMatchObject({ code: 'RETRIES_EXHAUSTED' })
    const refused = decide(
      outcome({ opened: false }),
      { retries: 4, authFailures: 0, handshakeFailures: 4 },
      { ...limits, maxHandshakeFailures: 5 },
    )
    expect(refused.error).toMatchObject({ code: 'HANDSHAKE_REFUSED' })
    // A credential fetch that fails is no closed handshake.
    expect(
      decide(
        outcome({ source: 'client', opened: false }),
        { retries: 4, authFailures: 0, handshakeFailures: 4 },
        { ...limits, maxHandshakeFailures: 5 },
      ).state,
    ).toBe('reconnecting')
  })
})
