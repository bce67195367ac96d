/**
 * What `send()` returns: a way to await one message's acknowledgement without `send()` itself
 * returning a promise that users forget to handle. The promise is made when `acked` is first
 * read, so a receipt nobody reads can never reject unhandled.
 * @module
 */
import { AuthSocketError } from './errors.js'

export interface Receipt {
  /**
   * Resolves when the server acknowledged the message (acknowledged sends on), or when it was
   * written to an authenticated socket (off, or a binary message). Rejects with `NOT_CONNECTED`
   * on `close()`, with the reason when the client ends `failed`, and with `ACK_TIMEOUT` when
   * `ackTimeout` passes first (the message stays in the outbox and may still arrive).
   */
  readonly acked: Promise<void>
}

/** The receipt of a message written at once, with no acknowledgement to wait for. */
export const WRITTEN: Receipt = {
  get acked() {
    return Promise.resolve()
  },
}

/** A receipt still waiting; the outbox settles it. */
export class PendingReceipt implements Receipt {
  #outcome: 'pending' | 'done' | AuthSocketError = 'pending'
  #promise: Promise<void> | undefined
  #settle: ((error?: AuthSocketError) => void) | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  readonly #timeout: number

  constructor(timeout: number) {
    this.#timeout = timeout
  }

  get acked(): Promise<void> {
    if (this.#promise) return this.#promise
    const outcome = this.#outcome
    if (outcome === 'done') return (this.#promise = Promise.resolve())
    if (outcome !== 'pending') return (this.#promise = Promise.reject(outcome))
    this.#promise = new Promise<void>(
      (resolve, reject) => (this.#settle = (error) => (error ? reject(error) : resolve())),
    )
    this.#timer = setTimeout(
      () =>
        this.fail(
          new AuthSocketError(
            'ACK_TIMEOUT',
            `No acknowledgement within ${this.#timeout} ms (ackTimeout). ` +
              'The message is still in the outbox: it is written again after a reconnect and may yet arrive.',
          ),
        ),
      this.#timeout,
    )
    return this.#promise
  }

  done(): void {
    this.#end('done')
  }

  fail(error: AuthSocketError): void {
    this.#end(error)
  }

  #end(outcome: 'done' | AuthSocketError): void {
    if (this.#outcome !== 'pending') return
    this.#outcome = outcome
    clearTimeout(this.#timer)
    this.#settle?.(outcome === 'done' ? undefined : outcome)
  }
}
