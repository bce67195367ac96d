/**
 * The only file that touches reconnecting-websocket (RWS). RWS owns the reconnect loop and
 * the connect timeout; this file makes sure none of its stuck states (TOOLCHAIN.md) is reachable:
 *
 * - the URL provider handed to RWS never rejects and never throws, so `_connectLock` is
 *   always released by a new socket, or the instance is discarded;
 * - `stop()` discards the RWS instance for good, so a URL promise still pending when the
 *   user closes cannot wedge a later `reconnect()`: `start()` builds a new instance;
 * - RWS's `maxRetries` stays `Infinity`; the client counts attempts itself and calls `stop()`;
 * - RWS's own backoff is zero and its queue is never used: the client owns both.
 *
 * Per-attempt protocols and (Node) headers reach the socket through the constructor RWS
 * calls for every attempt.
 * @module
 */
import ReconnectingWebSocket from 'reconnecting-websocket'
import type { PreparedAttempt } from './credentials/provider.js'

/** The subset of the WebSocket API authsocket uses: the browser's class and `ws` both fit. */
export interface WebSocketLike {
  readonly readyState: number
  binaryType: string
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void
  close(code?: number, reason?: string): void
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each implementation types its events its own way
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  removeEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void
}

/** A WebSocket class: `globalThis.WebSocket`, or `WebSocket` from the `ws` package in Node. */
export interface WebSocketConstructor {
  new (url: string, protocols?: string | string[], options?: { headers?: Record<string, string> }): WebSocketLike
  readonly CLOSING: number
}

export interface TransportHooks {
  /** Resolves the next attempt, or `undefined` to stop. Called by RWS before every socket. */
  nextAttempt(): Promise<PreparedAttempt | undefined>
  /** A socket was created for `attempt`: attach listeners. Called before RWS attaches its own. */
  onSocket(socket: WebSocketLike, attempt: PreparedAttempt): void
  /** Something failed inside the transport itself; it has stopped. */
  onFatal(cause: unknown): void
}

/** A URL RWS is handed when an attempt is abandoned; it never opens it (the instance is closed first). */
const ABANDONED = 'ws://abandoned.invalid/'

export class Transport {
  #rws: ReconnectingWebSocket | undefined
  #attempt: PreparedAttempt | undefined

  readonly #WebSocketClass: WebSocketConstructor
  readonly #hooks: TransportHooks
  readonly #connectTimeout: number

  constructor(WebSocketClass: WebSocketConstructor, hooks: TransportHooks, connectTimeout: number) {
    this.#WebSocketClass = WebSocketClass
    this.#hooks = hooks
    this.#connectTimeout = connectTimeout
  }

  /** Starts a fresh RWS instance (discarding any previous one). */
  start(): void {
    this.stop()
    const instance: ReconnectingWebSocket = new ReconnectingWebSocket(() => this.#urlFor(instance), [], {
      WebSocket: this.#socketClass(),
      connectionTimeout: this.#connectTimeout,
      minReconnectionDelay: 0,
      maxReconnectionDelay: 0,
      maxRetries: Infinity,
      maxEnqueuedMessages: 0,
      minUptime: 0,
      // Started below, once the wait is replaced: RWS's constructor would otherwise begin its first attempt.
      startClosed: true,
    })
    instance.binaryType = 'arraybuffer'
    // RWS waits a setTimeout(0) (1 ms or more) before every attempt, even the first; the client owns
    // the backoff, so the wait is a resolved promise. RWS is pinned at 4.4.0 and a test checks the hook.
    ;(instance as unknown as { _wait(): Promise<void> })._wait = () => Promise.resolve()
    this.#rws = instance
    instance.reconnect()
  }

  /** Closes the current socket (if any) and lets RWS go straight to the next attempt. */
  restart(code: number, reason: string): void {
    if (this.#rws) this.#rws.reconnect(code, reason)
    else this.start()
  }

  /** Closes the current socket and discards the RWS instance: nothing more happens until `start()`. */
  stop(code = 1000, reason = 'closed by client'): void {
    const instance = this.#rws
    this.#rws = undefined
    instance?.close(code, reason)
  }

  async #urlFor(instance: ReconnectingWebSocket): Promise<string> {
    try {
      const attempt = await this.#hooks.nextAttempt()
      if (attempt && this.#rws === instance) {
        this.#attempt = attempt
        return attempt.url
      }
    } catch (cause) {
      this.#hooks.onFatal(cause)
    }
    if (this.#rws === instance) this.stop()
    else instance.close()
    return ABANDONED
  }

  /** The constructor RWS calls for every attempt: it applies that attempt's protocols and headers. */
  #socketClass(): WebSocketConstructor {
    const create = (url: string) => this.#createSocket(url)
    function PerAttemptSocket(url: string): WebSocketLike {
      return create(url)
    }
    return Object.assign(PerAttemptSocket as unknown as WebSocketConstructor, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 })
  }

  #createSocket(url: string): WebSocketLike {
    const attempt = this.#attempt ?? { url }
    this.#attempt = undefined
    let socket: WebSocketLike
    try {
      socket = attempt.headers
        ? new this.#WebSocketClass(url, attempt.protocols ?? [], { headers: attempt.headers })
        : new this.#WebSocketClass(url, attempt.protocols ?? [])
    } catch (cause) {
      // Throwing here would reject inside RWS and wedge it: hand it a socket that is already closed.
      queueMicrotask(() => {
        this.stop()
        this.#hooks.onFatal(cause)
      })
      return deadSocket
    }
    this.#hooks.onSocket(socket, attempt)
    return facadeFor(socket)
  }
}

/**
 * What RWS gets instead of the socket: everything but message events, which the client reads
 * from the socket directly. RWS's own message listener would cost an event object and a debug
 * call per message, for listeners the client never adds.
 */
function facadeFor(socket: WebSocketLike): WebSocketLike {
  return {
    get readyState() {
      return socket.readyState
    },
    get binaryType() {
      return socket.binaryType
    },
    set binaryType(value) {
      socket.binaryType = value
    },
    send: (data) => socket.send(data),
    close: (code, reason) => socket.close(code, reason),
    addEventListener: (type, listener) => type !== 'message' && socket.addEventListener(type, listener),
    removeEventListener: (type, listener) => type !== 'message' && socket.removeEventListener(type, listener),
  }
}

const deadSocket: WebSocketLike = {
  readyState: 3,
  binaryType: 'arraybuffer',
  send() {},
  close() {},
  addEventListener() {},
  removeEventListener() {},
}
