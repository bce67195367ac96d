/**
 * The page's lifecycle, as the connection needs it: a tab that comes back (visible, thawed,
 * online), the back/forward cache, and whether the browser can reach the network at all. Only
 * what exists is listened to: in Node there is nothing, in a worker only `online`.
 * @module
 */

import { backoff, type Attempt } from './attempt.js'

/** Why an attempt that is due waits: the browser is offline, or the page is in the back/forward cache. */
export type Away = 'offline' | 'cached'

/** What the page tells the connection. */
export interface PageHooks {
  /** The tab is visible again, thawed (`resume`), or the network is back. */
  wake(): void
  /** `pagehide` with `persisted`: the page goes into the back/forward cache. */
  hide(): void
  /** `pageshow` with `persisted`: it came back from it. */
  show(): void
}

type Target = Partial<Pick<EventTarget, 'addEventListener' | 'removeEventListener'>>

export class Page {
  /** In the back/forward cache: between `pagehide` and `pageshow`, both with `persisted`. */
  cached = false

  /** Why no attempt may be made now, if one may not. */
  get away(): Away | undefined {
    if (this.cached) return 'cached'
    return (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false ? 'offline' : undefined
  }

  /**
   * Waits for `attempt`'s turn: its backoff of `ms` (none for a first try), then for as long as
   * no attempt can succeed (offline, or in the cache, where pagehide closed the socket), telling
   * `waiting` until what; the page's wake lets it go. `true` if the backoff timer fired over 5 s
   * late: the machine slept, and the failures that grew the backoff are old news.
   */
  async turn(attempt: Attempt, ms: number | undefined, waiting: (until: 'online' | 'pageshow') => void): Promise<boolean> {
    const slept = ms !== undefined && (await backoff(attempt, ms))
    for (let away = this.away; away && !attempt.ended.signal.aborted; away = this.away) {
      waiting(away === 'offline' ? 'online' : 'pageshow')
      if (!attempt.ended.signal.aborted) await backoff(attempt) // a listener of `waiting` may have closed the client
    }
    return slept
  }

  /** Listens while the client runs; `bfcache: false` leaves `pagehide`/`pageshow` alone. Returns the unsubscribe. */
  watch(hooks: PageHooks, bfcache: boolean): () => void {
    const doc = (globalThis as { document?: Target & { visibilityState?: string } }).document
    const win = (doc ? globalThis : undefined) as Target | undefined
    const self = globalThis as Target
    const listeners: [Target | undefined, string, (event: Event) => void][] = [
      [doc, 'visibilitychange', () => doc?.visibilityState === 'visible' && hooks.wake()],
      [doc, 'resume', () => hooks.wake()],
      [self, 'online', () => hooks.wake()],
    ]
    if (bfcache) {
      const persisted = (event: Event) => (event as PageTransitionEvent).persisted === true
      listeners.push(
        [win, 'pagehide', (event) => persisted(event) && ((this.cached = true), hooks.hide())],
        [win, 'pageshow', (event) => persisted(event) && ((this.cached = false), hooks.show())],
      )
    }
    for (const [target, type, listener] of listeners) target?.addEventListener?.(type, listener)
    return () => {
      for (const [target, type, listener] of listeners) target?.removeEventListener?.(type, listener)
    }
  }
}
