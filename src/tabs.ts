/**
 * One token refresh for all of a user's tabs. With refresh-token rotation a refresh token works
 * once: tabs that refresh at the same expiry each present it, one wins, and the others are
 * signed out. `sharedAcrossTabs` lets one tab at a time ask the source (a Web Lock) and hands its
 * answer to the others (a BroadcastChannel), which take it instead of asking themselves.
 * @module
 */
import type { TokenContext, TokenSource } from './credentials/token-source.js'
import { jwtExpiry } from './expiry.js'

export interface SharedAcrossTabsOptions {
  /**
   * Names the lock and the channel: the tabs of an origin that use the same key share one
   * refresh. Use one key per token (per user, per API).
   * @default 'authsocket'
   */
  key?: string
  /**
   * Ms a tab waits for the lock before it asks the source itself: the tab holding it may be
   * frozen in the background or stuck in a source that never answers.
   * @default 10000
   */
  deadline?: number
  /**
   * Ms a tab that got the lock waits for another tab's token before asking the source. A lock
   * can be granted before the previous holder's message arrives (seen in Chromium: in 14-44%
   * of hand-offs, by up to ~5 ms), so the new holder asks the other tabs first.
   * @default 50
   */
  settle?: number
}

/** A token one of the tabs got, numbered so that a newer one is known as such. */
interface Shared {
  readonly generation: number
  readonly token: string
}

type Note = { kind: 'token'; generation: number; token: string } | { kind: 'ask' }

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Wraps `source` so that the tabs of this origin share its answers. Where Web Locks or
 * BroadcastChannel are missing (Node, older browsers) it returns `source` itself: each page
 * then single-flights its own asks, as without the wrapper. The token goes only to this
 * origin's tabs (a BroadcastChannel is same-origin), never into an event, error or log.
 */
export function sharedAcrossTabs(source: TokenSource, options: SharedAcrossTabsOptions = {}): TokenSource {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks
  const Channel = (globalThis as { BroadcastChannel?: typeof BroadcastChannel }).BroadcastChannel
  if (typeof source !== 'function' || !locks || !Channel) return source
  const name = `authsocket:${options.key ?? 'authsocket'}`
  const deadline = options.deadline ?? 10_000
  const settle = options.settle ?? 50
  let latest: Shared | undefined
  const listeners = new Set<() => void>()
  let channel: BroadcastChannel | undefined

  const learn = (shared: Shared) => {
    if (latest && shared.generation <= latest.generation) return
    latest = shared
    for (const listener of listeners) listener()
  }
  const publish = (token: unknown) => {
    if (typeof token !== 'string') return // the client reports a bad answer; others must not take it
    learn({ generation: (latest?.generation ?? 0) + 1, token })
    channel!.postMessage({ kind: 'token', ...latest! } satisfies Note)
  }
  const open = () =>
    (channel ??= Object.assign(new Channel(name), {
      onmessage: ({ data }: MessageEvent<Note>) => {
        if (data?.kind === 'token' && typeof data.token === 'string' && typeof data.generation === 'number') learn(data)
        else if (data?.kind === 'ask' && latest) channel!.postMessage({ kind: 'token', ...latest } satisfies Note)
      },
    }))

  return async (ctx: TokenContext) => {
    open()
    const since = latest?.generation ?? 0
    // Another tab's answer serves when it came after this ask began, or outlives the token being replaced.
    const shared = () => {
      if (!latest) return undefined
      const outlives = ctx.reason === 'expiring' && ctx.expiresAt !== undefined && (jwtExpiry(latest.token) ?? 0) > ctx.expiresAt
      return latest.generation > since || outlives ? latest.token : undefined
    }
    const ready = shared()
    if (ready) return ready

    const waiting = new AbortController()
    const stop = () => waiting.abort()
    ctx.signal.addEventListener('abort', stop, { once: true })
    const timer = setTimeout(stop, deadline)
    let listener: (() => void) | undefined
    const heard = new Promise<string>((resolve) => {
      listener = () => {
        const token = shared()
        if (token) resolve(token)
      }
      listeners.add(listener)
    })
    try {
      const locked = locks.request(name, { signal: waiting.signal }, async () => {
        clearTimeout(timer)
        channel!.postMessage({ kind: 'ask' } satisfies Note)
        await Promise.race([heard, sleep(settle)])
        const token = shared() ?? (await source(ctx))
        if (token !== latest?.token) publish(token)
        return token
      })
      locked.catch(() => undefined) // when another tab's token comes first, the queued request is aborted below
      return await Promise.race([locked, heard])
    } catch (error) {
      if (ctx.signal.aborted || !waiting.signal.aborted) throw error
      // No lock within the deadline: the holder is frozen or stuck. Ask the source here.
      const token = await source(ctx)
      publish(token)
      return token
    } finally {
      clearTimeout(timer)
      ctx.signal.removeEventListener('abort', stop)
      listeners.delete(listener!)
      waiting.abort() // a lock request still queued is dropped
    }
  }
}
