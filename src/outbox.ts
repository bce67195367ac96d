/**
 * The bounded, ordered queue of application messages waiting for authentication.
 * @module
 */

/** A frame as it goes on the wire. */
export type WireData = string | ArrayBufferLike | ArrayBufferView | Blob

export class Outbox {
  private readonly items: WireData[] = []

  /** `onChange` hears the new size after every push and flush. */
  constructor(
    readonly limit: number,
    private readonly onChange: (size: number) => void = () => undefined,
  ) {}

  get size(): number {
    return this.items.length
  }

  /** Returns `false` (and keeps nothing) when the queue is full. */
  push(item: WireData): boolean {
    if (this.items.length >= this.limit) return false
    this.items.push(item)
    this.onChange(this.items.length)
    return true
  }

  /**
   * Hands queued frames to `send`, oldest first, until it returns `false` (the socket is no
   * longer writable): what was not written stays queued, in order, for the next authentication.
   */
  flush(send: (item: WireData) => boolean): void {
    let sent = 0
    while (sent < this.items.length && send(this.items[sent]!)) sent++
    if (sent === 0) return
    this.items.splice(0, sent)
    this.onChange(this.items.length)
  }
}
