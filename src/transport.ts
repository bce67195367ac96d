/**
 * The only file that touches reconnecting-websocket (RWS) and raw sockets, and the one door
 * between them and the client, both ways. The client hands it attempts (`open(id, prepared)`)
 * and asks it to `send` or `drop`; it reports `open`, `frame` and `close` tagged with the
 * attempt id, and reports nothing for an attempt that has been dropped or superseded (but the
 * one who dropped it may ask to hear when its socket has really closed). It decides nothing.
 *
 * RWS runs the socket loop: its URL provider waits until the client hands over the next
 * attempt, so the client's backoff and credential fetch happen before RWS makes a socket.
 * None of its stuck states (test/unit/stuck.test.ts) is reachable: the URL provider never
 * rejects; `stop()` discards the instance (a new one is built on the next `open`); its
 * `maxRetries` stays `Infinity`; a constructor that throws gets a dead socket instead of a
 * rejection. Its own backoff, queue and message events are not used.
 * @module
 */
import ReconnectingWebSocket from 'reconnecting-websocket'
import type { PreparedAttempt } from './credentials/provider.js'
import { batchedWriter, closeSocket, listenFrames, readError } from './node.js'

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
  new (
    url: string,
    protocols?: string | string[],
    options?: { headers?: Record<string, string>; maxPayload?: number },
  ): WebSocketLike
  readonly CLOSING: number
}

/** How an attempt's socket ended. */
export interface SocketClosed {
  code: number
  reason: string
  /** The HTTP status of a refused upgrade, where the implementation says (Node's `ws` does). */
  status?: number
  /** A frame went over the payload cap (Node: `ws` stops reading and closes). */
  oversize?: boolean
  /** The WebSocket constructor threw this. */
  thrown?: unknown
}

export interface TransportReports {
  open(id: number): void
  frame(id: number, data: unknown): void
  close(id: number, closed: SocketClosed): void
}

declare const __AUTHSOCKET_BROWSER__: boolean
/** True in the IIFE bundle (vite.config.ts): the `ws` paths in node.ts are left out of it. */
const BROWSER_ONLY = typeof __AUTHSOCKET_BROWSER__ !== 'undefined' && __AUTHSOCKET_BROWSER__

const OPEN = 1
/** The URL RWS gets when it is discarded while waiting: it never opens it (it was closed first). */
const ABANDONED = 'ws://abandoned.invalid/'

interface Live {
  readonly id: number
  readonly socket: WebSocketLike
  status?: number
  oversize?: boolean
  /** Set by `drop`: told when the dropped socket has really closed. */
  closed?: (closed: SocketClosed) => void
  /** How sends are written, once open: in Node, the sends of one task in one system call (node.ts). */
  write?: (data: string | ArrayBufferLike | ArrayBufferView | Blob) => void
}

export class Transport {
  readonly #WebSocketClass: WebSocketConstructor
  readonly #reports: TransportReports
  readonly #connectTimeout: number
  readonly #maxPayload: number
  #rws: ReconnectingWebSocket | undefined
  /** The attempt handed over and not yet turned into a socket. */
  #next: { id: number; prepared: PreparedAttempt } | undefined
  /** RWS waiting in its URL provider. */
  #waiting: ((url: string) => void) | undefined
  #live: Live | undefined

  constructor(
    WebSocketClass: WebSocketConstructor,
    reports: TransportReports,
    limits: { connectTimeout: number; maxPayload: number },
  ) {
    this.#WebSocketClass = WebSocketClass
    this.#reports = reports
    this.#connectTimeout = limits.connectTimeout
    this.#maxPayload = limits.maxPayload
  }

  /** Opens attempt `id`. Any socket still live is dropped first. */
  open(id: number, prepared: PreparedAttempt): void {
    if (this.#live) this.drop(this.#live.id, 1000, 'superseded')
    this.#next = { id, prepared }
    if (this.#waiting) {
      const resolve = this.#waiting
      this.#waiting = undefined
      resolve(prepared.url)
    } else if (this.#rws) this.#rws.reconnect()
    else this.#start()
  }

  /** Writes to attempt `id`'s socket if it is the live one and OPEN; `false` means nothing was written. */
  send(id: number, data: string | ArrayBufferLike | ArrayBufferView | Blob): boolean {
    const live = this.#live
    if (live?.id !== id || live.socket.readyState !== OPEN) return false
    if (live.write) live.write(data)
    else live.socket.send(data)
    return true
  }

  /**
   * Ends attempt `id`: closes its socket (with `now`, at once: no close handshake) and reports
   * nothing more for it, except to `closed`, once, when the socket has really closed.
   */
  drop(id: number, code: number, reason: string, closed?: (closed: SocketClosed) => void, now = false): void {
    if (this.#next?.id === id) this.#next = undefined
    const live = this.#live
    if (live?.id !== id) return
    this.#live = undefined
    live.closed = closed
    if (BROWSER_ONLY)
      live.socket.close(code, reason) // a browser's close() does not wait for the peer
    else closeSocket(live.socket, code, reason, now)
    // RWS sees the socket closing and waits in its URL provider for the next attempt.
    this.#rws?.reconnect(code, reason)
  }

  /** Closes the socket, if any, and discards RWS: nothing happens until the next `open`. */
  stop(): void {
    this.#next = undefined
    this.#live = undefined
    const instance = this.#rws
    this.#rws = undefined
    instance?.close(1000, 'closed by client')
    const waiting = this.#waiting
    this.#waiting = undefined
    waiting?.(ABANDONED)
  }

  #start(): void {
    const instance: ReconnectingWebSocket = new ReconnectingWebSocket(() => this.#nextUrl(instance), [], {
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
    // RWS waits a setTimeout(0) (1 ms or more) before every attempt; the client owns the backoff,
    // so the wait is a resolved promise. RWS is pinned at 4.4.0 and a test checks the hook.
    ;(instance as unknown as { _wait(): Promise<void> })._wait = () => Promise.resolve()
    this.#rws = instance
    instance.reconnect()
  }

  /** RWS's URL provider: the handed-over attempt, or a wait for the next one. Never rejects. */
  #nextUrl(instance: ReconnectingWebSocket): Promise<string> {
    if (instance !== this.#rws) return Promise.resolve(ABANDONED)
    if (this.#next) return Promise.resolve(this.#next.prepared.url)
    return new Promise((resolve) => (this.#waiting = resolve))
  }

  /** The constructor RWS calls for every attempt: it applies that attempt's protocols and headers. */
  #socketClass(): WebSocketConstructor {
    const create = () => this.#createSocket()
    function PerAttemptSocket(): WebSocketLike {
      return create()
    }
    return Object.assign(PerAttemptSocket as unknown as WebSocketConstructor, {
      CONNECTING: 0,
      OPEN: 1,
      CLOSING: 2,
      CLOSED: 3,
    })
  }

  #createSocket(): WebSocketLike {
    const next = this.#next
    this.#next = undefined
    if (!next) return deadSocket() // an attempt dropped while RWS was on its way here
    const { id, prepared } = next
    let socket: WebSocketLike
    try {
      socket = new this.#WebSocketClass(prepared.url, prepared.protocols ?? [], {
        headers: prepared.headers,
        maxPayload: this.#maxPayload,
      })
    } catch (thrown) {
      // Throwing here would reject inside RWS and wedge it: it gets a socket that is already closed.
      queueMicrotask(() => this.#reports.close(id, { code: 1006, reason: '', thrown }))
      return deadSocket()
    }
    const live: Live = { id, socket }
    this.#live = live
    const current = () => this.#live === live
    socket.addEventListener('open', () => {
      if (!current()) return
      if (!BROWSER_ONLY) live.write = batchedWriter(socket)
      this.#reports.open(id)
    })
    const onFrame = (data: unknown) => current() && this.#reports.frame(id, data)
    if (BROWSER_ONLY || !listenFrames(socket, onFrame))
      socket.addEventListener('message', (event: MessageEvent) => onFrame(event.data))
    // Browsers give errors no detail and a close always follows; Node's ws says why.
    if (!BROWSER_ONLY) socket.addEventListener('error', (event: unknown) => Object.assign(live, readError(event)))
    socket.addEventListener('close', (event: CloseEvent) => {
      const closed = { code: event.code, reason: event.reason, status: live.status, oversize: live.oversize }
      if (!current()) return live.closed?.(closed)
      this.#live = undefined
      this.#reports.close(id, closed)
    })
    return this.#facade(socket)
  }

  /**
   * What RWS gets instead of the socket: no message events (the transport reads those itself,
   * and RWS's listener would cost an event object per frame), and a `close` that cuts a peer
   * that stopped answering.
   */
  #facade(socket: WebSocketLike): WebSocketLike {
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
      close: (code = 1000, reason = '') =>
        BROWSER_ONLY ? socket.close(code, reason) : closeSocket(socket, code, reason),
      addEventListener: (type, listener) => type !== 'message' && socket.addEventListener(type, listener),
      removeEventListener: (type, listener) => type !== 'message' && socket.removeEventListener(type, listener),
    }
  }
}

/**
 * A socket that is closed from the start, for RWS when there is nothing to open. It reports its
 * close, so RWS clears the connect timer it set for it (a timer left behind would later cut the
 * next, real socket) and goes back to waiting in its URL provider.
 */
function deadSocket(): WebSocketLike {
  return {
    readyState: 3,
    binaryType: 'arraybuffer',
    send() {},
    close() {},
    addEventListener(type, listener) {
      if (type === 'close') queueMicrotask(() => listener({ code: 1006, reason: '' }))
    },
    removeEventListener() {},
  }
}
