import { describe, expect, it } from 'vitest'
import { tokenGetter } from '../../src/credentials/token-source.js'

describe('token source', () => {
  it('concurrent asks share one in-flight call; the next ask calls again', async () => {
    let calls = 0
    let release!: (t: string) => void
    const get = tokenGetter(() => {
      calls++
      return new Promise<string>((resolve) => (release = resolve))
    })
    const signal = new AbortController().signal
    const asks = [get({ reason: 'expiring', signal }), get({ reason: 'expiring', signal }), get({ reason: 'reconnect', signal })]
    await Promise.resolve()
    release('shared-token')
    expect(await Promise.all(asks)).toEqual(['shared-token', 'shared-token', 'shared-token'])
    expect(calls).toBe(1)
    const again = get({ reason: 'reconnect', signal })
    await Promise.resolve()
    release('next-token')
    expect(await again).toBe('next-token')
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
    await expect(tokenGetter('fixed')({ reason: 'initial', signal: new AbortController().signal })).resolves.toBe('fixed')
  })
})
