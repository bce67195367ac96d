/**
 * The bounded, ordered outbox: messages waiting for authentication, written in order once the
 * socket is authenticated. A written message leaves it. With acknowledged sends or a shared
 * socket, the outbox is numbered-outbox.ts's, which numbers the messages and keeps the written
 * ones until acknowledged.
 * @module
 */

import type { AuthSocketError } from './errors.js'
import type { PendingReceipt } from './receipt.js'

/** A frame as it goes on the wire. */
export type WireData = string | ArrayBufferLike | ArrayBufferView | Blob

/** Where a flush writes: an authenticated socket. */
export interface FlushTarget {
  /** The attempt whose socket it is. */
  readonly id: number
  /** Acknowledged sends are on for this socket (only with the Delivery feature). */
  readonly acks: boolean
  /** Writes to the socket; `false`: it is no longer writable, nothing was written. */
  send(data: WireData): boolean
  /** The frame that opens the delivery session on this socket (acks or resume), written first, once. */
  readonly session: (() => string) | undefined
}

export interface Entry {
  readonly data: WireData
  readonly receipt: PendingReceipt | undefined
}

export class Outbox<E extends Entry = Entry> {
  /** `items[head]` is the oldest message; those before it left and are dropped in batches. */
  protected items: E[] = []
  protected head = 0

  /** `onChange` hears the new size after every change. */
  constructor(
    readonly limit: number,
    protected readonly onChange: (size: number) => void = () => undefined,
  ) {}

  /** Messages waiting. */
  get size(): number {
    return this.items.length - this.head
  }

  /** Returns `false` (and keeps nothing) when the outbox is full. */
  push(data: WireData, receipt?: PendingReceipt): boolean {
    if (this.size >= this.limit) return false
    this.items.push(this.entry(data, receipt))
    this.onChange(this.size)
    return true
  }

  /** What the outbox keeps of a message. */
  protected entry(data: WireData, receipt: PendingReceipt | undefined): E {
    return { data, receipt } as E
  }

  /** Writes, oldest first, every message waiting, until `to.send` returns `false`. A written message leaves. */
  flush(to: FlushTarget): void {
    let written = this.head
    while (written < this.items.length && to.send(this.items[written]!.data)) {
      this.items[written]!.receipt?.done() // nothing more will confirm it than the write
      written++
    }
    if (written === this.head) return
    this.items = this.items.slice(written)
    this.head = 0
    this.onChange(this.size)
  }

  /**
   * The client closed or failed: every receipt still waiting rejects with `error`. The messages stay, for a later
   * `reconnect()`.
   */
  reject(error: AuthSocketError): void {
    for (let i = this.head; i < this.items.length; i++) this.items[i]!.receipt?.fail(error)
  }
}
