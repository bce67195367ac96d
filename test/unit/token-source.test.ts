import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { tokenGetter } from '../../src/credentials/token-source.js'
import { jwt, opaqueToken } from '../helpers/tokens.js'

describe('token source', () => {
  it('concurrent asks share one in-flight call; the next ask calls again', async () => {
    let calls = 0
    let release!: (t: string) => void
    const get = tokenGetter(() => {
      calls++
      return new Promise<string>((resolve) => (release = resolve))
    })
    const signal = new AbortController().signal
    const asks = [
      get({ reason: 'expiring', signal }),
      get({ reason: 'expiring', signal }),
      get({ reason: 'reconnect', signal }),
    ]
    await Promise.resolve()
    release('shared-token')
    expect((await Promise.all(asks)).map((t) => t.value)).toEqual(['shared-token', 'shared-token', 'shared-token'])
    expect(calls).toBe(1)
    const again = get({ reason: 'reconnect', signal })
    await Promise.resolve()
    release('next-token')
    expect((await again).value).toBe('next-token')
    expect(calls).toBe(2)
  })

  it('aborts the shared call only when every asker has gone', async () => {
    let inner: AbortSignal | undefined
    const get = tokenGetter(({ signal }) => {
      inner = signal
      return new Promise<string>(() => undefined)
    })
    const a = new AbortController()
    const b = new AbortController()
    const first = get({ reason: 'initial', signal: a.signal })
    const second = get({ reason: 'initial', signal: b.signal })
    a.abort()
    await expect(first).rejects.toThrow(/cancelled/)
    await Promise.resolve()
    expect(inner?.aborted).toBe(false)
    b.abort()
    await expect(second).rejects.toThrow(/cancelled/)
    expect(inner?.aborted).toBe(true)
  })

  it('rejects bad sources up front', () => {
    expect(() => tokenGetter('')).toThrow(/empty string/)
    expect(() => tokenGetter(42 as never)).toThrow(/string or a function, not number/)
  })

  it('a fixed string is returned as is', async () => {
    await expect(tokenGetter('fixed')({ reason: 'initial', signal: new AbortController().signal })).resolves.toEqual({
      value: 'fixed',
      expiresAt: undefined,
    })
  })

  it('an expiring ask reuses the last JWT when it outlives the one being replaced; rejected and opaque asks never do', async () => {
    let calls = 0
    const now = Math.floor(Date.now() / 1000)
    const get = tokenGetter(() => {
      ++calls
      return jwt(now + 100 * calls)
    })
    const signal = new AbortController().signal
    const first = await get({ reason: 'initial', signal })
    const renewed = await get({ reason: 'expiring', signal, expiresAt: (now + 50) * 1000 })
    expect(renewed).toBe(first)
    expect(calls).toBe(1)
    await get({ reason: 'expiring', signal, expiresAt: (now + 100) * 1000 }) // not later: fetch
    expect(calls).toBe(2)
    await get({ reason: 'rejected', signal, expiresAt: 0 })
    expect(calls).toBe(3)
    let opaque = 0
    const getOpaque = tokenGetter(() => {
      ++opaque
      return opaqueToken()
    })
    await getOpaque({ reason: 'initial', signal })
    await getOpaque({ reason: 'expiring', signal, expiresAt: 0 })
    expect(opaque).toBe(2)
  })

  it('passes the expiry of the token being replaced to the source, as TokenContext promises', async () => {
    const seen: (number | undefined)[] = []
    const get = tokenGetter(({ expiresAt }) => {
      seen.push(expiresAt)
      return opaqueToken()
    })
    const signal = new AbortController().signal
    await get({ reason: 'expiring', signal, expiresAt: 1234 })
    await get({ reason: 'reconnect', signal })
    expect(seen).toEqual([1234, undefined])
  })

  it('refuses a token with control characters without quoting it (a CR/LF would break a header, and fetch would quote it)', async () => {
    const bad = `${opaqueToken()}\r\nX-Injected: 1`
    const error = await tokenGetter(() => bad)({ reason: 'initial', signal: new AbortController().signal }).catch(
      (e: Error) => e,
    )
    expect(error).toMatchObject({ code: 'CREDENTIAL_FETCH_FAILED' })
    expect(String((error as Error).message)).toMatch(/control characters/)
    expect(String((error as Error).message)).not.toContain(bad.slice(0, 20))
  })

  it('leaves no abort listener behind on a long-lived signal', async () => {
    const get = tokenGetter(async () => opaqueToken())
    const run = new AbortController()
    for (let i = 0; i < 20; i++) await get({ reason: 'reconnect', signal: run.signal })
    await Promise.resolve()
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0)
  })
})
