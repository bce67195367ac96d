/**
 * The heartbeat (PROTOCOL.md section 7): when nothing has been heard for `interval`, send a ping;
 * when nothing at all (a pong or any other frame) arrives within `timeout` of that ping really
 * being sent, the connection is dead. Death is measured from the probe, never from when a timer
 * was due, so a timer that fires late (a throttled background tab) probes first.
 * @module
 */

import { LATE } from './attempt.js'
import type { Feature } from './feature.js'
import { PING, PONG } from './frames.js'
import { invalid, positive } from './validate.js'

export interface HeartbeatSettings {
  /** Ms of silence before a ping. */
  readonly interval: number
  /** Ms to wait for any frame after a ping. */
  readonly timeout: number
}

/** The option the Heartbeat feature owns. */
export interface HeartbeatOptions {
  /**
   * The heartbeat: after `interval` ms of silence the client pings, and a connection that then
   * stays silent for `timeout` ms is dead (dropped at once, `HEARTBEAT_TIMEOUT`, reconnected).
   * Any frame counts as life. `true` or timings force it on, `false` off.
   * @default on when the server's 200 frame announces `heartbeat` (with its timings if it gives them; else 25 s and 10
   * s), off otherwise
   */
  heartbeat?: boolean | { interval?: number; timeout?: number }
}

/** Defaults for mobile networks and for proxies that cut connections idle for 60 s. */
export const HEARTBEAT_DEFAULTS: HeartbeatSettings = { interval: 25_000, timeout: 10_000 }

/** The `heartbeat` option: `false` off, settings forced on, `undefined` follow the server. */
function resolveHeartbeat(
  option: boolean | { interval?: number; timeout?: number } | undefined,
): false | HeartbeatSettings | undefined {
  if (option === undefined || option === false) return option
  if (option === true) return HEARTBEAT_DEFAULTS
  if (typeof option !== 'object' || option === null)
    throw invalid('Option `heartbeat` must be true, false or { interval, timeout } in ms.')
  return {
    interval: positive('heartbeat.interval', option.interval, HEARTBEAT_DEFAULTS.interval),
    timeout: positive('heartbeat.timeout', option.timeout, HEARTBEAT_DEFAULTS.timeout),
  }
}

/**
 * The heartbeat feature: owns the `heartbeat` option, the `ping` and `pong` frames, and a timer
 * per authenticated socket. The option decides (`false` off, settings on), else the server's
 * announcement in its 200 frame does.
 */
export const Heartbeat: Feature<'Heartbeat'> = {
  name: 'Heartbeat',
  install(options) {
    const option = resolveHeartbeat(options.heartbeat)
    // While a heartbeat runs on the socket a ping is answered and a pong consumed; else they go on to `control`.
    const running = (attempt: { heartbeat: unknown }) => attempt.heartbeat !== undefined
    return {
      start(announced, send, dead) {
        if (option === false) return undefined
        // Forced on by the option, else on if the server announced it, with its timings where it gave them.
        const settings =
          option ??
          (announced && {
            interval: announced.interval ?? HEARTBEAT_DEFAULTS.interval,
            timeout: announced.timeout ?? HEARTBEAT_DEFAULTS.timeout,
          })
        if (!settings) return undefined
        return new HeartbeatTimer(
          settings,
          () => send(PING),
          () => dead(settings.timeout),
        )
      },
      actions: {
        ping: (_frame, attempt) => (running(attempt) ? { reply: PONG } : undefined),
        pong: (_frame, attempt) => (running(attempt) ? {} : undefined),
      },
    }
  },
}

/** The heartbeat of one authenticated socket. */
export class HeartbeatTimer {
  readonly #settings: HeartbeatSettings
  readonly #ping: () => boolean
  readonly #dead: () => void
  #timer: ReturnType<typeof setTimeout> | undefined
  /** When a frame last arrived (local clock). Reading frames only stamps this: no timer work per frame. */
  #heard = Date.now()
  /**
   * When the outstanding ping was sent, if one is; and whether any frame came after it (timestamps can tie within a
   * millisecond).
   */
  #probed: number | undefined
  #answered = false
  /**
   * Whether the timer was armed from a timer callback. Chrome runs chained timers in a tab hidden
   * for 5 minutes once a minute (intensive throttling); a timer armed from a network callback is
   * not chained and keeps its time (seen in Chromium 156: test/e2e/page-frozen.spec.ts). So the
   * first frame after a timer did the arming arms it again, from the socket's callback.
   */
  #chained = false
  /**
   * When the timer is due; and whether the outstanding probe was sent on a wake: by `probe()`, or by a timer that ran
   * over `LATE` late.
   */
  #due = 0
  #woke = false

  /** `ping` sends a ping and says whether it could; `dead` is called once, when the connection is. */
  constructor(settings: HeartbeatSettings, ping: () => boolean, dead: () => void) {
    this.#settings = settings
    this.#ping = ping
    this.#dead = dead
    this.#arm(settings.interval)
  }

  /** A frame arrived: the connection is alive. */
  heard(): void {
    this.#heard = Date.now()
    this.#answered = true
    if (!this.#chained) return
    this.#chained = false
    this.#probed = undefined
    this.#arm(this.#settings.interval)
  }

  /**
   * The outstanding probe was sent on a wake and is unanswered: if the socket fails now, it
   * failed in the sleep, and the next attempt need not back off.
   */
  get woke(): boolean {
    return this.#probed !== undefined && this.#woke && !this.#answered
  }

  /** The page woke (it was hidden, asleep or offline): ask now rather than trust the last frame. */
  probe(): void {
    if (this.#probed !== undefined) return
    this.#chained = false // called from a page event, not a timer
    this.#send(Date.now(), true)
  }

  /** Pings, and counts the timeout from now. */
  #send(now: number, woke: boolean): void {
    if (!this.#ping()) return // the socket is going; its close decides
    this.#probed = now
    this.#answered = false
    this.#woke = woke
    this.#arm(this.#settings.timeout)
  }

  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer)
    this.#due = Date.now() + ms
    this.#timer = setTimeout(() => this.#check(), Math.max(0, ms))
  }

  #check(): void {
    this.#chained = true
    const now = Date.now()
    const late = now - this.#due > LATE
    // A clock set back (NTP, a user) would put the last frame or the probe in the future, and
    // postpone a death for as long as the jump: shift both back with it, keeping their order.
    const ahead = Math.max(this.#heard, this.#probed ?? -Infinity) - now
    if (ahead > 0) {
      this.#heard -= ahead
      if (this.#probed !== undefined) this.#probed -= ahead
    }
    if (this.#probed !== undefined) {
      if (this.#answered) {
        this.#probed = undefined // answered (or something else came): alive
      } else if (now - this.#probed >= this.#settings.timeout) {
        this.#dead()
        return
      } else {
        this.#arm(this.#probed + this.#settings.timeout - now)
        return
      }
    }
    const quiet = now - this.#heard
    if (quiet < this.#settings.interval) {
      this.#arm(this.#settings.interval - quiet)
      return
    }
    // Silent for the interval (or the timer is late): probe now, and count the timeout from now.
    this.#send(now, late)
  }
}
