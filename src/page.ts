/**
 * The page's lifecycle, as the connection needs it: a tab that comes back (visible, thawed,
 * online), the back/forward cache and freezing, and whether the browser can reach the network at
 * all. Only what exists is listened to: in Node there is nothing, in a worker only `online`.
 * @module
 */

import { backoff, type Attempt } from './attempt.js'
import type { AuthSocketEvents } from './events.js'
import type { Feature } from './feature.js'

/** The option the PageLifecycle feature owns. */
export interface PageLifecycleOptions {
  /**
   * The back/forward cache and frozen pages: on `pagehide` into the cache, or on `freeze`, the
   * client closes its socket cleanly (1000) and keeps its outbox; on `pageshow` out of the
   * cache, or on `resume`, it reconnects at once with a fresh credential. `false` leaves them
   * alone (Chromium then cuts the socket, and the client finds out on return, as from a
   * network failure).
   * @default true
   */
  bfcache?: boolean
}

/** Why an attempt that is due waits: the browser is offline, the page is in the back/forward cache, or it is frozen. */
export type Away = 'offline' | 'cached' | 'frozen'

type Parked = 'cached' | 'frozen'

/** What a waiting attempt waits for, by why it waits. */
type Until = AuthSocketEvents<unknown>['waiting']['until']
const UNTIL: Record<Away, Until> = { offline: 'online', cached: 'pageshow', frozen: 'resume' }

/**
 * How long `navigator.onLine` saying offline holds an attempt back. It can be wrong (a VPN or a
 * virtual adapter it does not count, a localhost server): after this, try anyway, and again after
 * each such wait, so a wrong `false` slows the client down but never wedges it.
 */
export const OFFLINE_RECHECK = 60_000

/** What the page tells the connection. */
export interface PageHooks {
  /** The tab is visible again, thawed (`resume`), or the network is back. */
  wake(): void
  /**
   * `pagehide` with `persisted` (the page goes into the back/forward cache) or `freeze`: close the socket, saying
   * `why`.
   */
  hide(why: string): void
  /** `pageshow` with `persisted`: it came back from it. */
  show(): void
  /** `pagehide` without `persisted`: the page is being unloaded (a tab closed), whatever `bfcache` says. */
  gone?(): void
}

type Target = Partial<Pick<EventTarget, 'addEventListener' | 'removeEventListener'>>

export class Page {
  /**
   * In the back/forward cache (between `pagehide` and `pageshow`, both with `persisted`), or frozen (between `freeze`
   * and `resume`).
   */
  parked: Parked | undefined

  /** Why no attempt may be made now, if one may not. */
  get away(): Away | undefined {
    if (this.parked) return this.parked
    return (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine === false ? 'offline' : undefined
  }

  /**
   * Waits for `attempt`'s turn: its backoff of `ms` (none for a first try), then for as long as
   * no attempt can succeed (in the cache or frozen, where the socket was closed on the way in;
   * offline, for at most {@link OFFLINE_RECHECK}), telling `waiting` until what; the page's wake
   * lets it go. `true` if the backoff timer fired over 5 s late: the machine slept, and the
   * failures that grew the backoff are old news.
   */
  async turn(attempt: Attempt, ms: number | undefined, waiting: (until: Until) => void): Promise<boolean> {
    const slept = ms !== undefined && (await backoff(attempt, ms))
    for (let away = this.away; away && !attempt.ended.signal.aborted; away = this.away) {
      waiting(UNTIL[away])
      if (attempt.ended.signal.aborted) break // a listener of `waiting` closed the client
      await backoff(attempt, away === 'offline' ? OFFLINE_RECHECK : undefined)
      // A wake while offline does not end the wait (see Connection's wake), so the wait timed out: try anyway.
      if (away === 'offline' && this.away === 'offline') break
    }
    return slept
  }

  /**
   * Listens while the client runs; `bfcache: false` leaves `pagehide`/`pageshow` and `freeze` alone. Returns the
   * unsubscribe.
   */
  watch(hooks: PageHooks, bfcache: boolean): () => void {
    const doc = (globalThis as { document?: Target & { visibilityState?: string } }).document
    const win = (doc ? globalThis : undefined) as Target | undefined
    const self = globalThis as Target
    // Chromium closes a frozen page's sockets (the server sees 1001, the page 1006 on resume):
    // close first, cleanly, and go again on resume. A page going into the cache is frozen too
    // (pagehide, then freeze; resume, then pageshow): the cache's pair decides then.
    const park = (as: Parked, why: string) => {
      if (!bfcache || this.parked !== undefined) return
      this.parked = as
      hooks.hide(why)
    }
    /** Whether the page was parked `as` (and is not any more). */
    const unpark = (as: Parked) => {
      if (this.parked !== as) return false
      this.parked = undefined
      return true
    }
    const persisted = (event: Event) => (event as PageTransitionEvent).persisted === true
    const listeners: [Target | undefined, string, (event: Event) => void][] = [
      [doc, 'visibilitychange', () => doc?.visibilityState === 'visible' && hooks.wake()],
      [
        doc,
        'resume',
        () => {
          unpark('frozen')
          hooks.wake()
        },
      ],
      [self, 'online', () => hooks.wake()],
    ]
    const { gone } = hooks
    if (gone) listeners.push([win, 'pagehide', (event) => !persisted(event) && gone()])
    if (bfcache) {
      listeners.push(
        [win, 'pagehide', (event) => persisted(event) && park('cached', 'page hidden')],
        [win, 'pageshow', (event) => persisted(event) && unpark('cached') && hooks.show()],
        [doc, 'freeze', () => park('frozen', 'page frozen')],
      )
    }
    for (const [target, type, listener] of listeners) target?.addEventListener?.(type, listener)
    return () => {
      for (const [target, type, listener] of listeners) target?.removeEventListener?.(type, listener)
    }
  }
}

/**
 * The page lifecycle feature: owns the `bfcache` option; a connection with it waits while the
 * page is offline, cached or frozen, closes cleanly into the back/forward cache and on a freeze,
 * and wakes (probes its socket, or retries at once) when the page comes back.
 */
export const PageLifecycle: Feature<'PageLifecycle'> = {
  name: 'PageLifecycle',
  install: (options) => ({ bfcache: options.bfcache !== false, page: () => new Page() }),
}
