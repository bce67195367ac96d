/**
 * The bounded, ordered queue of application messages waiting for authentication.
 * @module
 */

/** A frame as it goes on the wire. */
export type WireData = string | ArrayBufferLike | ArrayBufferView | Blob

export class Outbox {
  private items: WireData[] = []

  constructor(readonly limit: number) {}

  get size(): number {
    return this.items.length
  }

  /** Returns `false` (and keeps nothing) when the queue is full. */
  push(item: WireData): boolean {
    if (this.items.length >= this.limit) return false
    this.items.push(item)
    return true
  }

  /** Hands every queued frame to `send`, oldest first, and empties the queue. */
  drain(send: (item: WireData) => void): void {
    const items = this.items
    this.items = []
    for (const item of items) send(item)
  }
}
