/**
 * The messages a tab that shares a socket without holding it has handed to the tab that holds it
 * (shared-socket.ts), each kept with its receipt until the holder says it is done.
 * @module
 */
import { AuthSocketError } from './errors.js'
import type { WireData } from './outbox.js'
import { PendingReceipt } from './receipt.js'

/** One handed message: its number among this tab's sends, and once the holder numbered it, its `seq`. */
export interface Handed {
  readonly n: number
  readonly data: WireData
  readonly receipt: PendingReceipt
  seq?: number
}

export class HandedMessages {
  #items: Handed[] = []

  constructor(
    private readonly limit: number,
    private readonly ackTimeout: number,
  ) {}

  get size(): number {
    return this.#items.length
  }

  /** Keeps message `n`; throws `QUEUE_FULL` past the limit. */
  add(n: number, data: WireData): Handed {
    if (this.#items.length >= this.limit)
      throw new AuthSocketError(
        'QUEUE_FULL',
        `Queue full (${this.limit} messages await the tab holding the socket): not queued. Wait for 'authenticated' or raise maxQueueSize.`,
      )
    const entry: Handed = { n, data, receipt: new PendingReceipt(this.ackTimeout) }
    this.#items.push(entry)
    return entry
  }

  numbered(n: number, seq: number): void {
    for (const entry of this.#items) if (entry.n === n) entry.seq = seq
  }

  /** Everything numbered up to `seq` is done: those receipts resolve. */
  done(seq: number): void {
    const settled = this.#items.filter((entry) => entry.seq !== undefined && entry.seq <= seq)
    this.#items = this.#items.filter((entry) => !settled.includes(entry))
    for (const entry of settled) entry.receipt.done()
  }

  /** The holder's outbox was full: message `n` was not sent. */
  refused(n: number): void {
    const index = this.#items.findIndex((entry) => entry.n === n)
    if (index >= 0)
      this.#items
        .splice(index, 1)[0]!
        .receipt.fail(
          new AuthSocketError(
            'QUEUE_FULL',
            `Queue full in the tab holding the socket (${this.limit} messages): not sent.`,
          ),
        )
  }

  /** Those the holder has not numbered yet, oldest first: a new holder gets them again. */
  unnumbered(after: number): Handed[] {
    return this.#items.filter((entry) => entry.seq === undefined && entry.n > after)
  }

  /** All of them, taken out (this tab now holds the socket, or leaves). */
  take(): Handed[] {
    return this.#items.splice(0)
  }
}
