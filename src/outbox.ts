/**
 * The bounded, ordered outbox: messages waiting for authentication and, with acknowledged
 * sends (PROTOCOL.md section 7), messages written but not yet acknowledged. A message leaves it
 * when written (no acks) or when acknowledged (acks): after the next authentication the
 * unacknowledged ones are written again first, in order, then the queued ones.
 * @module
 */

import type { AuthSocketError } from './errors.js'
import { numberedFrame } from './frames.js'
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
  /** `items[head]` is the oldest message; those before it left and are dropped in batches. */
  private items: Entry[] = []
  private head = 0
  /**
   * `items[head]` up to `items[written]` were written on attempt `writtenOn`: a flush starts there, not at the head.
   */
  private written = 0
  private writtenOn: number | undefined
  private seq = 0
  /** The attempt the session frame was last sent on. */
  private sessionOn: number | undefined

  /** Hears the number of each text message that is done: acknowledged, or written without acks. */
  onDone: ((seq: number) => void) | undefined

  /** `onChange` hears the new size after every change. */
  constructor(
    readonly limit: number,
    private readonly onChange: (size: number) => void = () => undefined,
  ) {}

  /** The number the last text message pushed was given. */
  get lastSeq(): number {
    return this.seq
  }

  /** The last message pushed. */
  get lastData(): WireData | undefined {
    return this.items[this.items.length - 1]?.data
  }

  /**
   * Starts again from another tab's outbox (one socket for all tabs): `entries`, in order, keep
   * their numbers, and the next message pushed is numbered after `lastSeq`.
   */
  adopt(entries: { data: WireData; seq: number; receipt?: PendingReceipt }[], lastSeq: number): void {
    this.items = entries.map(({ data, seq, receipt }) => ({ data, seq, on: undefined, receipt }))
    this.head = this.written = 0
    this.writtenOn = this.sessionOn = undefined
    this.seq = lastSeq
    this.onChange(this.size)
  }

  /** Messages waiting: queued, and written but unacknowledged. */
  get size(): number {
    return this.items.length - this.head
  }

  /** Returns `false` (and keeps nothing) when the outbox is full. */
  push(data: WireData, receipt?: PendingReceipt): boolean {
    if (this.size >= this.limit) return false
    this.items.push({ data, seq: typeof data === 'string' ? ++this.seq : undefined, on: undefined, receipt })
    this.onChange(this.size)
    return true
  }

  /**
   * Writes, oldest first, every message not yet written on attempt `id`, until `send` returns
   * `false` (the socket is no longer writable). Without `acks` a written message leaves the
   * outbox; with them it stays until acknowledged, wrapped as
   * `{"action":"message","seq":N,"data":<message>}`. `session` makes the frame that opens the
   * delivery session (acks or resume): it goes first, once per socket.
   */
  flush(id: number, acks: boolean, send: (data: WireData) => boolean, session?: () => string): void {
    if (session !== undefined && this.sessionOn !== id) {
      if (!send(session())) return
      this.sessionOn = id
    }
    if (this.writtenOn !== id) {
      this.writtenOn = id
      this.written = this.head
    }
    const from = this.written
    let binary = false
    for (; this.written < this.items.length; this.written++) {
      const entry = this.items[this.written]!
      const wire = acks && entry.seq !== undefined ? numberedFrame(entry.seq, entry.data as string) : entry.data
      if (!send(wire)) break
      entry.on = id
      binary ||= entry.seq === undefined
      if (acks && entry.seq !== undefined) continue
      entry.receipt?.done() // nothing more will confirm it than the write
      if (entry.seq !== undefined) this.onDone?.(entry.seq)
    }
    if (this.written === from || (acks && !binary)) return
    // Without acks a written message is done; with them so is a written binary one (it is never acknowledged, and must
    // not be written twice).
    if (acks) {
      const kept = this.items.slice(this.head, this.written).filter((entry) => entry.seq !== undefined)
      this.items = kept.concat(this.items.slice(this.written))
      this.written = kept.length
    } else this.items = this.items.slice(this.written)
    if (!acks) this.written = 0
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

  /**
   * The server acknowledged every message up to `seq`: they leave the outbox. Binary ones written before them go too.
   */
  ack(seq: number): void {
    const start = this.head
    while (
      this.head < this.items.length &&
      this.items[this.head]!.on !== undefined &&
      (this.items[this.head]!.seq ?? -Infinity) <= seq
    )
      this.items[this.head++]!.receipt?.done()
    if (this.head === start) return
    this.onDone?.(seq)
    this.written = Math.max(this.written, this.head)
    // Drop what left once it is most of the array: each message is copied O(1) times overall.
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.written -= this.head
      this.head = 0
    }
    this.onChange(this.size)
  }
}
