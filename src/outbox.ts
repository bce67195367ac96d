/**
 * The bounded, ordered outbox: messages waiting for authentication and, with acknowledged
 * sends (PROTOCOL.md section 7), messages written but not yet acknowledged. A message leaves it
 * when written (no acks) or when acknowledged (acks): after the next authentication the
 * unacknowledged ones are written again first, in order, then the queued ones.
 * @module
 */

import type { AuthSocketError } from './errors.js'
import type { PendingReceipt } from './receipt.js'

/** A frame as it goes on the wire. */
export type WireData = string | ArrayBufferLike | ArrayBufferView | Blob

interface Entry {
  readonly data: WireData
  /** Its number in this client's session: text messages only (binary is never acknowledged). */
  readonly seq: number | undefined
  /** The attempt it was last written on. */
  on: number | undefined
  readonly receipt: PendingReceipt | undefined
}

export class Outbox {
  private items: Entry[] = []
  private seq = 0
  /** The attempt the session frame was last sent on. */
  private sessionOn: number | undefined

  /** `onChange` hears the new size after every change. */
  constructor(
    readonly limit: number,
    private readonly onChange: (size: number) => void = () => undefined,
  ) {}

  /** Messages waiting: queued, and written but unacknowledged. */
  get size(): number {
    return this.items.length
  }

  /** Returns `false` (and keeps nothing) when the outbox is full. */
  push(data: WireData, receipt?: PendingReceipt): boolean {
    if (this.items.length >= this.limit) return false
    this.items.push({ data, seq: typeof data === 'string' ? ++this.seq : undefined, on: undefined, receipt })
    this.onChange(this.items.length)
    return true
  }

  /**
   * Writes, oldest first, every message not yet written on attempt `id`, until `send` returns
   * `false` (the socket is no longer writable). Without `acks` a written message leaves the
   * outbox; with them it stays until acknowledged, wrapped as
   * `{"action":"message","seq":N,"data":<message>}`. `session`, the frame that opens the delivery
   * session (acks or resume), goes first, once per socket.
   */
  flush(id: number, acks: boolean, send: (data: WireData) => boolean, session?: string): void {
    if (session !== undefined && this.sessionOn !== id) {
      if (!send(session)) return
      this.sessionOn = id
    }
    let written = 0
    let binary = false
    for (const entry of this.items) {
      if (entry.on === id) continue
      const wire = acks && entry.seq !== undefined ? `{"action":"message","seq":${entry.seq},"data":${entry.data as string}}` : entry.data
      if (!send(wire)) break
      entry.on = id
      written++
      binary ||= entry.seq === undefined
      if (!acks || entry.seq === undefined) entry.receipt?.done() // nothing more will confirm it than the write
    }
    if (written === 0 || (acks && !binary)) return
    // Without acks a written message is done; with them so is a written binary one (it is never acknowledged, and must not be written twice).
    this.items = acks ? this.items.filter((entry) => entry.on !== id || entry.seq !== undefined) : this.items.slice(written)
    this.onChange(this.items.length)
  }

  /** The client closed or failed: every receipt still waiting rejects with `error`. The messages stay, for a later `reconnect()`. */
  reject(error: AuthSocketError): void {
    for (const entry of this.items) entry.receipt?.fail(error)
  }

  /** The server acknowledged every message up to `seq`: they leave the outbox. Binary ones written before them go too. */
  ack(seq: number): void {
    let done = 0
    while (done < this.items.length && this.items[done]!.on !== undefined && (this.items[done]!.seq ?? -Infinity) <= seq) done++
    if (done === 0) return
    for (const entry of this.items.splice(0, done)) entry.receipt?.done()
    this.onChange(this.items.length)
  }
}
