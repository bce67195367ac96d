/**
 * AuthSocket: the base client with every feature installed but the opt-in ones, so that no
 * user's code has to name them (Ably ships `Realtime` beside `BaseRealtime` + plugins for the
 * same reason); an opt-in one (`PersistentOutbox`) is given in `features`. A page that wants
 * fewer bytes builds a {@link BaseAuthSocket} with only the features it uses.
 * @module
 */
import { BaseAuthSocket } from './base.js'
import { Delivery } from './delivery.js'
import type { Feature } from './feature.js'
import { Heartbeat } from './heartbeat.js'
import { messages, observableKey, type MessageObservable } from './observable.js'
import type { AuthSocketOptions, BaseAuthSocketOptions } from './options.js'
import { PageLifecycle } from './page.js'
import { SharedSocket } from './shared-socket.js'
import { statusStore, type StatusStore } from './status.js'

/** Every feature but the opt-in ones (feature.ts's `OPT_IN`): what {@link AuthSocket} always has. */
const EVERY_FEATURE: readonly Feature[] = [Heartbeat, Delivery, PageLifecycle, SharedSocket]

/** AuthSocket's features: every one, and the opt-in ones given. Anything else given: the base says what to pass. */
function withEveryFeature(given: unknown): unknown {
  if (given === undefined) return EVERY_FEATURE
  return Array.isArray(given) ? [...EVERY_FEATURE, ...given] : given
}

/**
 * An authenticated WebSocket that reconnects, refreshes its credential and never loses a
 * message: {@link BaseAuthSocket} with every feature (heartbeat, acknowledged sends and resume,
 * the page lifecycle, one socket for all tabs); an opt-in one (`PersistentOutbox`) when given in
 * `features`.
 *
 * @typeParam In - messages the server sends.
 * @typeParam Out - messages the client sends.
 */
export class AuthSocket<In = unknown, Out = unknown> extends BaseAuthSocket<In, Out> {
  /**
   * @param url - `ws://` or `wss://` URL (in a browser, a path such as `/ws/chat/` works too). Put no credential in it:
   * the provider adds it.
   * @param options - see {@link AuthSocketOptions}; only `credentials` is required. `features` adds opt-in features:
   * `[PersistentOutbox]` for `persist`.
   * @throws AuthSocketError `INVALID_OPTIONS` or `UNSUPPORTED_ENVIRONMENT`, synchronously.
   */
  constructor(url: string, options: AuthSocketOptions<In, Out> | BaseAuthSocketOptions<In, Out>) {
    // Not an object: the base says what to pass.
    const object = typeof options === 'object' && options !== null
    const features = object ? withEveryFeature((options as BaseAuthSocketOptions).features) : undefined
    super(url, object ? ({ ...options, features } as BaseAuthSocketOptions<In, Out>) : options)
    statusStore(this)
  }

  /**
   * The connection's status (state, last error, user, expiry, queued count) as a store:
   * `useSyncExternalStore(socket.store.subscribe, socket.store.getSnapshot)` in React,
   * `$store` in Svelte (`const store = socket.store`), a few lines in Vue or Angular. A
   * {@link BaseAuthSocket} gets one from `statusStore(socket)`.
   */
  get store(): StatusStore {
    return statusStore(this)
  }

  /**
   * Incoming messages as an Observable: `from(socket.messages())` in RxJS (or just `from(socket)`).
   * It errors with the reason if the socket ends `failed`, and completes on `close()`. A
   * {@link BaseAuthSocket} gets one from `messages(socket)`.
   */
  messages(): MessageObservable<In> {
    return messages(this)
  }

  /** Lets RxJS's `from(socket)` (and other Observable libraries) read the messages. */
  [observableKey](): MessageObservable<In> {
    return messages(this)
  }
}
