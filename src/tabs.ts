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
   * Ms a tab waits for the lock before it goes on without it: the tab holding it may be frozen
   * in the background or stuck in a source that never answers. The tabs that waited then take
   * turns under a second lock.
   * @default 10000
   */
  deadline?: number
  /**
   * Ms a tab that got the lock waits for another tab's token before asking the source. A lock
   * can be granted before the previous holder's message arrives (seen in Chromium: in 14-44%
   * of hand-offs, by up to ~5 ms), so the new holder asks the other tabs first. In a
   * background tab the wait is rounded up to the next whole second (Chromium aligns its timers).
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

/** The first of a lock's answer and another tab's token; the lock's rejection, once the other wins, is nobody's. */
function first(locked: Promise<string>, heard: Promise<string>): Promise<string> {
  locked.catch(() => undefined)
  return Promise.race([locked, heard])
}

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
      const outlives =
        ctx.reason === 'expiring' && ctx.expiresAt !== undefined && (jwtExpiry(latest.token) ?? 0) > ctx.expiresAt
      return latest.generation > since || outlives ? latest.token : undefined
    }
    const ready = shared()
    if (ready) return ready

    // Aborted when this ask is over: a source still running for it is told to stop.
    const done = new AbortController()
    const over = () => done.abort()
    ctx.signal.addEventListener('abort', over, { once: true })
    const ended = new Promise<never>((_, reject) =>
      done.signal.addEventListener('abort', () => reject(done.signal.reason), { once: true }),
    )
    ended.catch(() => undefined)
    let listener: (() => void) | undefined
    const heard = new Promise<string>((resolve) => {
      listener = () => {
        const token = shared()
        if (token) resolve(token)
      }
      listeners.add(listener)
    })
    // Holding a lock: ask the other tabs first (a grant can beat the previous holder's message), then the source.
    const turn = async () => {
      channel!.postMessage({ kind: 'ask' } satisfies Note)
      await Promise.race([heard, sleep(settle)])
      // The lock is held no longer than the ask: a source that never settles must not keep it.
      const token = shared() ?? (await Promise.race([source({ ...ctx, signal: done.signal }), ended]))
      if (token !== latest?.token) publish(token)
      return token
    }
    // A lock request still queued is dropped when another tab's token comes first, or at the deadline.
    const waiting = new AbortController()
    done.signal.addEventListener('abort', () => waiting.abort(), { once: true })
    const timer = setTimeout(() => waiting.abort(), deadline)
    try {
      try {
        return await first(
          locks.request(name, { signal: waiting.signal }, () => {
            clearTimeout(timer)
            return turn()
          }),
          heard,
        )
      } catch (error) {
        if (done.signal.aborted || !waiting.signal.aborted) throw error
      }
      // No lock within the deadline: its holder is frozen or stuck. The tabs that waited take
      // turns under a second lock, so that they do not all ask the source at once.
      return await first(locks.request(`${name}:deadline`, { signal: done.signal }, turn), heard)
    } finally {
      clearTimeout(timer)
      ctx.signal.removeEventListener('abort', over)
      listeners.delete(listener!)
      done.abort()
    }
  }
}
