/**
 * BaseAuthSocket: the client with the features it is given, and the surface users read: state,
 * events, `send`, `ready`, and the run controls. Its lifecycle lives in connection.ts;
 * {@link AuthSocket} (client.ts) is this with every feature but the opt-in ones.
 * @module
 */
import { serialize } from './callbacks.js'
import { Connection } from './connection.js'
import type { ConnectionParts } from './feature.js'
import type { WireData } from './outbox.js'
import { AuthSocketError } from './errors.js'
import { Events, listenerFailed, type AuthSocketEvents } from './events.js'
import type { ConnectionState } from './machine.js'
import { resolveOptions, type BaseAuthSocketOptions } from './options.js'
import { Outbox } from './outbox.js'
import { redactUrl } from './redact.js'
import { isBinary, type BinaryData } from './serializer.js'
import { PendingReceipt, WRITTEN, type Receipt } from './receipt.js'
import { socketUrl } from './validate.js'

/** What the client drives: a `Connection`, or the shared socket's link between tabs (shared-socket.ts). */
export interface Link {
  readonly state: ConnectionState
  readonly lastError: AuthSocketError | undefined
  /** Writes `data` now if it can; `false`: `queue` it. */
  write(data: WireData): boolean
  /**
   * Puts `data` in the outbox (a tab holding a shared socket also numbers it for the other tabs), then writes what the
   * socket can take; `false` when the outbox is full (nothing kept).
   */
  queue(data: WireData, receipt: PendingReceipt): boolean
  /** Writes what waits in the outbox, if the socket is authenticated. */
  flush(): void
  start(): void
  restart(): void
  stop(): void
  /**
   * A tab that shares the socket and does not hold it hands `data` to the one that does; `undefined`: this tab's own
   * outbox takes it.
   */
  handOver?(data: WireData): Receipt | undefined
  /** Messages handed over and not yet done. */
  readonly handed?: number
}

/**
 * What the optional parts built on a client (status.ts's store, observable.ts's messages) read of
 * it besides its public surface. Not exported from the package.
 */
export interface Internals {
  /** Reports a listener of `what` that threw, as the client's `error` event. */
  report(what: string, cause: unknown): void
  /** `changed` hears every change of the outbox's size (once a store is built: its `queued`). */
  watchOutbox(changed: (size: () => number) => void): void
  /** The outbox's size now. */
  outboxSize(): number
  /** Why the client is `failed`. */
  lastError(): AuthSocketError | undefined
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any client, whatever its message types
export let internals: (socket: BaseAuthSocket<any, any>) => Internals

/**
 * An authenticated WebSocket that reconnects, refreshes its credential and never loses a
 * message sent before authentication, with the features it is given (`features`); what is not
 * given is not bundled. {@link AuthSocket} has them all.
 *
 * @typeParam In - messages the server sends.
 * @typeParam Out - messages the client sends.
 */
export class BaseAuthSocket<In = unknown, Out = unknown> {
  readonly #url: string
  readonly #events: Events<In>
  readonly #outbox: Outbox
  readonly #connection: Link
  readonly #serialize: (message: Out) => string
  readonly #ackTimeout: number
  #readyWaiters: { resolve: () => void; reject: (error: AuthSocketError) => void }[] = []
  /** Set by a status store (status.ts): a client without one pays nothing per send. */
  #outboxChanged: ((size: () => number) => void) | undefined

  static {
    internals = (socket) => ({
      report: (what, cause) => socket.#events.emit('error', listenerFailed(what, cause)),
      watchOutbox: (changed) => {
        socket.#outboxChanged = changed
      },
      outboxSize: () => socket.#outbox.size,
      lastError: () => socket.#connection.lastError,
    })
  }

  /**
   * @param url - `ws://` or `wss://` URL (in a browser, a path such as `/ws/chat/` works too). Put no credential in it:
   * the provider adds it.
   * @param options - see {@link BaseAuthSocketOptions}; only `credentials` is required. `features` lists the features
   * this client has: an option of a feature not given is an `INVALID_OPTIONS` error.
   * @throws AuthSocketError `INVALID_OPTIONS` or `UNSUPPORTED_ENVIRONMENT`, synchronously.
   */
  constructor(url: string, options: BaseAuthSocketOptions<In, Out>) {
    const o = resolveOptions(options)
    const baseUrl = socketUrl(url)
    this.#url = redactUrl(baseUrl, o.redactParams)
    const events = (this.#events = new Events<In>(o.debug))
    events.on('state', ({ state }) => {
      if (state === 'closed')
        this.#outbox.reject(
          new AuthSocketError(
            'NOT_CONNECTED',
            'close() was called before the message was acknowledged; it stays queued for reconnect().',
          ),
        )
      else if (state === 'failed') this.#outbox.reject(this.#connection.lastError!)
    })
    const size = () => this.#outbox.size
    const changed = () => this.#outboxChanged?.(size)
    // Delivery and SharedSocket number the messages: they make the outbox.
    const numbered = (o.features.Delivery ?? o.features.SharedSocket)?.outbox(o.maxQueueSize, changed)
    this.#outbox = numbered ?? new Outbox(o.maxQueueSize, changed)
    this.#serialize = (message) => serialize(o.serializer, message)
    this.#ackTimeout = o.ackTimeout
    const session = o.features.Delivery?.session()
    const parts: ConnectionParts<In> = {
      events: this.#events,
      outbox: this.#outbox,
      session,
      settled: (error?: AuthSocketError) => this.#settleReady(error),
    }
    // One socket for all tabs: this tab's socket exists while it leads (shared-socket.ts), and
    // then it keeps the group's messages (the persistent outbox) itself.
    const shared = o.features.SharedSocket?.link(o, baseUrl, parts)
    if (shared) this.#connection = shared
    else {
      // The persistent outbox keeps what the numbered outbox holds (it checks that Delivery made them).
      const persisted = o.features.PersistentOutbox?.attach({
        outbox: numbered,
        session,
        events,
        flush: () => this.#connection.flush(),
      })
      this.#connection = new Connection<In, Out>(o, baseUrl, { ...parts, loaded: persisted?.loaded })
    }
    if (o.autoConnect) this.connect()
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.#connection.state
  }

  /** The socket URL, credential parameters redacted. */
  get url(): string {
    return this.#url
  }

  /** Messages waiting for authentication. */
  get queued(): number {
    return this.#outbox.size + (this.#connection.handed ?? 0)
  }

  /**
   * Resolves once the socket is authenticated (at once if it is). Rejects with the reason
   * if the client ends `failed`, or with `NOT_CONNECTED` if `close()` is called first.
   */
  get ready(): Promise<void> {
    const state = this.state
    if (state === 'open') return Promise.resolve()
    if (state === 'failed') return Promise.reject(this.#connection.lastError)
    if (state === 'closed')
      return Promise.reject(new AuthSocketError('NOT_CONNECTED', 'The socket is closed; call reconnect() first.'))
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }))
  }

  /** Listens to an event. Returns a function that removes the listener. */
  on<K extends keyof AuthSocketEvents<In>>(type: K, listener: (payload: AuthSocketEvents<In>[K]) => void): () => void {
    this.#events.on(type, listener)
    return () => this.off(type, listener)
  }

  /** Removes a listener added with {@link BaseAuthSocket.on}. */
  off<K extends keyof AuthSocketEvents<In>>(type: K, listener: (payload: AuthSocketEvents<In>[K]) => void): void {
    this.#events.off(type, listener)
  }

  /**
   * Sends a message. When the socket is not authenticated yet (or is reconnecting) the
   * message is queued and sent, in order, right after the next authentication.
   * Binary data (`ArrayBuffer`, typed arrays, `Blob`) bypasses the serializer.
   * @returns a {@link Receipt}: `await socket.send(msg).acked` waits for the acknowledgement; ignoring it is fine.
   * @throws AuthSocketError `QUEUE_FULL`, `NOT_CONNECTED` (after `close()` or `failed`) or `SERIALIZE_FAILED`.
   */
  send(message: Out | BinaryData): Receipt {
    const state = this.state
    if (state === 'closed' || state === 'failed') {
      throw new AuthSocketError(
        'NOT_CONNECTED',
        state === 'closed'
          ? 'send() after close(): not sent. Call reconnect() first.'
          : `send() on a failed socket (${this.#connection.lastError?.code}): not sent. Fix the cause, then reconnect().`,
      )
    }
    const data = isBinary(message) ? message : this.#serialize(message as Out)
    // A tab that shares the socket and does not hold it hands its messages over.
    const handed = this.#connection.handOver?.(data)
    if (handed) return handed
    if (this.#connection.write(data)) return WRITTEN
    const receipt = new PendingReceipt(this.#ackTimeout)
    // With acks on, even an open socket writes through the outbox.
    if (!this.#connection.queue(data, receipt)) {
      throw new AuthSocketError(
        'QUEUE_FULL',
        `Queue full (${this.#outbox.limit} messages await authentication or an acknowledgement): not queued. ` +
          "Wait for 'authenticated' or raise maxQueueSize.",
      )
    }
    return receipt
  }

  /** Starts connecting. Only needed with `autoConnect: false`, or to restart after `close()`/`failed`. */
  connect(): void {
    this.#connection.start()
  }

  /**
   * Reconnects now with a fresh credential. From `closed` or `failed` it starts over with
   * fresh counters. Otherwise it abandons whatever is in progress (a backoff wait, a credential
   * fetch, an open socket) and starts a fresh attempt at once, keeping the queue.
   */
  reconnect(): void {
    this.#connection.restart()
  }

  /**
   * Closes the socket and stops everything: timers, retries and pending credential fetches. Queued messages stay queued
   * for a later `reconnect()`.
   */
  close(): void {
    this.#connection.stop()
  }

  #settleReady(error?: AuthSocketError): void {
    const waiters = this.#readyWaiters
    this.#readyWaiters = []
    for (const waiter of waiters) {
      if (error) waiter.reject(error)
      else waiter.resolve()
    }
  }
}
