/**
 * The events an {@link AuthSocket} emits, and the emitter that delivers them: every listener
 * runs in a guard, and the `debug` option gets a line per event that can never throw.
 * @module
 */
import mitt, { type Handler } from 'mitt'
import type { CredentialReason } from './credentials/provider.js'
import { AuthSocketError, describeCause, safeCause } from './errors.js'
import type { AuthVerdict } from './frames.js'
import type { Inbound } from './inbound.js'
import type { StateChange } from './machine.js'

/** Events and their payloads. No payload ever holds a credential; URLs are redacted. */
export type AuthSocketEvents<In> = {
  /** The state changed. */
  state: StateChange
  /** An attempt is about to open. */
  connecting: { attempt: number; url: string; reason: CredentialReason; provider: string }
  /** The socket opened; authentication comes next. */
  open: { url: string }
  /** The server accepted the credential. */
  authenticated: { user: unknown; expiresAt: number | undefined; inBand: boolean }
  /** The server refused the credential. */
  unauthenticated: { status: number; detail: string | undefined; willRetry: boolean }
  /** An application message (never a status frame). */
  message: In
  /** A binary frame. Without a listener, binary frames are reported as `UNEXPECTED_BINARY` errors. */
  binary: ArrayBuffer
  /** The socket closed (or the client closed it to retry or refresh). */
  close: { code: number; reason: string; willRetry: boolean; wasAuthenticated: boolean }
  /** The credential is being refreshed before it expires. */
  refresh: { inBand: boolean; expiresAt: number }
  /**
   * The server could not replay the messages this client missed (it restarted, or they left its
   * buffer): reload the application's state from the server. Resume extension only.
   */
  resync: { epoch: string | undefined }
  /**
   * Messages kept by an earlier page (the `persist` option) waited longer than its `maxAge`: they
   * were dropped, not sent, as the server may no longer know their session. `messages` are as
   * serialized. Persistent outbox only.
   */
  expired: { messages: string[] }
  /**
   * An attempt is due, but none is made until the browser is `online` again (or for 60 s: it may
   * be wrong), until the page comes back from the back/forward cache (`pageshow`), or until it
   * is thawed (`resume`). Browsers only.
   */
  waiting: { until: 'online' | 'pageshow' | 'resume' }
  /** Something went wrong; the client is still alive unless its state says otherwise. */
  error: AuthSocketError
}

type Listener = (payload: never) => void

/** At most this much of a payload goes into a debug line. */
const DEBUG_CHARS = 300

/**
 * A payload for a debug line, as JSON cut at 300 characters. Never throws: a payload JSON
 * cannot print (too deep, cyclic, a BigInt, a getter that throws) is named, not printed.
 */
export function describePayload(payload: unknown): string {
  if (payload instanceof AuthSocketError) return `${payload.code}: ${payload.message}`
  let text: string
  try {
    text = JSON.stringify(payload)
  } catch (cause) {
    text = `(not printable as JSON: ${describeCause(cause)})`
  }
  return text.length > DEBUG_CHARS ? `${text.slice(0, DEBUG_CHARS)}…` : text
}

/** mitt, with listeners isolated from each other and from the client. */
export class Events<In> {
  readonly #mitt = mitt<AuthSocketEvents<In>>()
  readonly #debug: ((line: string) => void) | undefined
  #debugging = false

  constructor(debug: ((line: string) => void) | undefined) {
    this.#debug = debug
  }

  on<K extends keyof AuthSocketEvents<In>>(type: K, listener: (payload: AuthSocketEvents<In>[K]) => void): void {
    this.#mitt.on(type, listener as Handler<AuthSocketEvents<In>[K]>)
  }

  off<K extends keyof AuthSocketEvents<In>>(type: K, listener: (payload: AuthSocketEvents<In>[K]) => void): void {
    this.#mitt.off(type, listener as Handler<AuthSocketEvents<In>[K]>)
  }

  has(type: keyof AuthSocketEvents<In>): boolean {
    return (this.#mitt.all.get(type)?.length ?? 0) > 0
  }

  /**
   * Hands a read frame on (a message or binary to the listeners, a dropped one's error, a control frame's `reply`); a
   * status verdict goes back to the caller.
   */
  handOn(read: Inbound<In>, reply: (text: string) => void): AuthVerdict | undefined {
    if (read.kind === 'verdict') return read.verdict
    if (read.kind === 'message') this.emit('message', read.message)
    else if (read.kind === 'binary') this.emit('binary', read.data)
    else if (read.kind === 'dropped') this.emit('error', read.error)
    else if (read.reply !== undefined) reply(read.reply)
    return undefined
  }

  /** A line for the `debug` option. A `debug` that throws is reported once per line, never through itself. */
  line(text: string): void {
    if (!this.#debug || this.#debugging) return
    this.#debugging = true
    try {
      this.#debug(`[authsocket] ${text}`)
    } catch (cause) {
      this.emit('error', callbackFailed('debug', cause))
    } finally {
      this.#debugging = false
    }
  }

  /** Calls every listener; one that throws is reported as `LISTENER_FAILED` and does not stop the others. */
  emit<K extends keyof AuthSocketEvents<In>>(type: K, payload: AuthSocketEvents<In>[K]): void {
    if (type !== 'message' && type !== 'binary') this.line(`${String(type)} ${describePayload(payload)}`)
    const listeners = this.#mitt.all.get(type) as Listener[] | undefined
    if (!listeners?.length) return
    // A copy, so that a listener that removes itself does not skip the next; one listener needs none.
    for (const listener of listeners.length === 1 ? listeners : [...listeners]) {
      try {
        ;(listener as (payload: AuthSocketEvents<In>[K]) => void)(payload)
      } catch (cause) {
        const failed = listenerFailed(String(type), cause)
        // An 'error' listener that throws on its own report would loop: that second throw is only a debug line.
        if (type === 'error' && (payload as AuthSocketError).code === 'LISTENER_FAILED')
          this.line(`an 'error' listener threw again (${describeCause(cause)})`)
        else this.emit('error', failed)
      }
    }
  }
}

/** The error for a listener (of an event, or of the status store) that threw. */
export function listenerFailed(type: string, cause: unknown): AuthSocketError {
  return new AuthSocketError(
    'LISTENER_FAILED',
    `A '${type}' listener threw (${describeCause(cause)}); the client carried on.`,
    { cause: safeCause(cause) },
  )
}

/** The error for an option callback (`classify`, `retryDelay`, `debug`) that threw or answered nonsense. */
export function callbackFailed(name: string, cause: unknown, fallback = 'ignored'): AuthSocketError {
  return new AuthSocketError(
    'CALLBACK_FAILED',
    `Option \`${name}\` ${cause === undefined ? 'gave a bad value' : `threw ${describeCause(cause)}`}; ${fallback}.`,
    cause === undefined ? undefined : { cause: safeCause(cause) },
  )
}
