/**
 * A minimal Observable of incoming messages, in the shape RxJS's `from()` (and any TC39
 * Observable consumer) accepts, so Angular apps get `from(socket)` with no RxJS in the core.
 * @module
 */
import { internals, type BaseAuthSocket } from './base.js'

/** What `subscribe` accepts: callbacks, or an observer object. */
export type MessageObserver<T> =
  | ((value: T) => void)
  | {
      next?: (value: T) => void
      /** Called once if the socket ends `failed`, with the reason. */
      error?: (error: unknown) => void
      /** Called once when `close()` is called. */
      complete?: () => void
    }

export interface Subscription {
  unsubscribe(): void
}

/** An interop Observable: pass it to RxJS's `from()`. */
export interface MessageObservable<T> {
  subscribe(observer: MessageObserver<T>): Subscription
  [Symbol.observable](): MessageObservable<T>
}

declare global {
  interface SymbolConstructor {
    readonly observable: symbol
  }
}

/** `Symbol.observable` where a polyfill (RxJS) defined it, else RxJS's fallback key. */
export const observableKey: typeof Symbol.observable = ((typeof Symbol === 'function' && Symbol.observable) ||
  '@@observable') as typeof Symbol.observable

/** The source an observable is built on: a subscribe function returning an unsubscribe. */
export type Source<T> = (next: (value: T) => void, error: (error: unknown) => void, complete: () => void) => () => void

export function toObservable<T>(source: Source<T>): MessageObservable<T> {
  const observable = {
    subscribe(observer: MessageObserver<T>): Subscription {
      const callbacks = typeof observer === 'function' ? { next: observer } : observer
      let closed = false
      let teardown = () => {}
      const end = () => {
        closed = true
        teardown()
      }
      teardown = source(
        (value) => !closed && callbacks.next?.(value),
        (error) => {
          if (closed) return
          end()
          callbacks.error?.(error)
        },
        () => {
          if (closed) return
          end()
          callbacks.complete?.()
        },
      )
      if (closed) teardown()
      return { unsubscribe: end }
    },
    [observableKey]() {
      return observable
    },
  }
  return observable as MessageObservable<T>
}

/**
 * The incoming messages of `socket` as an Observable: `from(messages(socket))` in RxJS. It
 * errors with the reason if the socket ends `failed`, and completes on `close()`.
 * {@link AuthSocket} has it as `socket.messages()` (and `from(socket)`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any client that sends whatever it sends
export function messages<In>(socket: BaseAuthSocket<In, any>): MessageObservable<In> {
  return toObservable<In>((next, error, complete) => {
    const offs = [
      socket.on('message', next),
      socket.on('state', ({ state }) => {
        if (state === 'failed') error(internals(socket).lastError())
        else if (state === 'closed') complete()
      }),
    ]
    return () => offs.forEach((off) => off())
  })
}
