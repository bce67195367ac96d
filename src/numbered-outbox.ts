/**
 * The numbered outbox, for acknowledged sends (PROTOCOL.md section 7) and the shared socket: every
 * text message gets the next number of the client's session, and with acks a written message
 * stays until the server acknowledges it. After the next authentication the unacknowledged ones
 * are written again first, in order, then the queued ones. The Delivery and SharedSocket
 * features make the client's outbox one of these; the base's is outbox.ts's.
 * @module
 */

import { numberedFrame } from './frames.js'
import { Outbox, type Entry, type FlushTarget, type WireData } from './outbox.js'
import type { PendingReceipt } from './receipt.js'

/**
 * What keeps the numbered messages beyond the page (persist.ts): it hears each text message
 * numbered and each acknowledgement, and a message is written only once it is kept.
 */
export interface Keeper {
  /** Every message numbered up to this is kept: it may be written. */
  readonly keptUpTo: number
  /** A text message was numbered `seq`. */
  kept(seq: number, data: string): void
  /** Every message up to `seq` was acknowledged and left the outbox. */
  acked(seq: number): void
  /** A socket that does not acknowledge is about to be written to: nothing can be kept safely. */
  unacknowledged(): void
}

interface NumberedEntry extends Entry {
  /** Its number in this client's session: text messages only (binary is never acknowledged). */
  readonly seq: number | undefined
  /** The attempt it was last written on. */
  on: number | undefined
}

export class NumberedOutbox extends Outbox<NumberedEntry> {
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
  /** With the persistent outbox: what keeps the messages (a message is written once kept). */
  keeper: Keeper | undefined

  /** The number the last text message pushed was given. */
  get lastSeq(): number {
    return this.seq
  }

  /** The last message pushed. */
  get lastData(): WireData | undefined {
    return this.items[this.items.length - 1]?.data
  }

  /**
   * Starts again from another tab's outbox (one socket for all tabs), or from what an earlier
   * page kept: `entries`, in order, keep their numbers (binary ones have none), and the next
   * message pushed is numbered after `lastSeq`.
   */
  adopt(entries: { data: WireData; seq: number | undefined; receipt?: PendingReceipt }[], lastSeq: number): void {
    this.items = entries.map(({ data, seq, receipt }) => ({ data, seq, on: undefined, receipt }))
    this.head = this.written = 0
    this.writtenOn = this.sessionOn = undefined
    this.seq = lastSeq
    this.onChange(this.size)
  }

  /**
   * Takes up the messages kept by an earlier page (persist.ts), before any socket was written to:
   * they go first, under their numbers, and the messages pushed since are numbered after `lastSeq`.
   */
  restore(saved: readonly { seq: number; data: string }[], lastSeq: number): void {
    let seq = Math.max(lastSeq, saved.at(-1)?.seq ?? 0)
    const pushed = this.items
      .slice(this.head)
      .map(({ data, receipt }) => ({ data, seq: typeof data === 'string' ? ++seq : undefined, receipt }))
    this.adopt([...saved, ...pushed], seq)
  }

  /** The text messages waiting, in order, with their numbers. */
  numbered(): { seq: number; data: string }[] {
    const texts: { seq: number; data: string }[] = []
    for (let i = this.head; i < this.items.length; i++) {
      const { seq, data } = this.items[i]!
      if (seq !== undefined) texts.push({ seq, data: data as string })
    }
    return texts
  }

  protected override entry(data: WireData, receipt: PendingReceipt | undefined): NumberedEntry {
    if (typeof data !== 'string') return { data, seq: undefined, on: undefined, receipt }
    const seq = ++this.seq
    this.keeper?.kept(seq, data)
    return { data, seq, on: undefined, receipt }
  }

  /**
   * Writes, oldest first, every message not yet written on the socket of attempt `to.id`, until
   * `to.send` returns `false` (the socket is no longer writable). Without `acks` a written message
   * leaves the outbox; with them it stays until acknowledged, wrapped as
   * `{"action":"message","seq":N,"data":<message>}`. `to.session` makes the frame that opens the
   * delivery session (acks or resume): it goes first, once per socket.
   */
  override flush(to: FlushTarget): void {
    const { id, acks, send, session } = to
    if (session !== undefined && this.sessionOn !== id) {
      if (!send(session())) return
      this.sessionOn = id
    }
    if (this.writtenOn !== id) {
      this.writtenOn = id
      this.written = this.head
    }
    const from = this.written
    if (!acks) this.keeper?.unacknowledged()
    const keptUpTo = this.keeper?.keptUpTo ?? Infinity
    let binary = false
    for (; this.written < this.items.length; this.written++) {
      const entry = this.items[this.written]!
      if (entry.seq !== undefined && entry.seq > keptUpTo) break // not kept yet: written once it is
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
   * The server acknowledged every message up to `seq`: the written ones up to it leave the outbox (binary ones written
   * before them too), and `onDone` and the keeper hear the last number that left.
   */
  ack(seq: number): void {
    const start = this.head
    // What is told on is what left: a server that acknowledges a number it was never sent
    // (lying, or confused by another client's session) takes nothing unwritten with it.
    let done: number | undefined
    while (
      this.head < this.items.length &&
      this.items[this.head]!.on !== undefined &&
      (this.items[this.head]!.seq ?? -Infinity) <= seq
    ) {
      const entry = this.items[this.head++]!
      entry.receipt?.done()
      done = entry.seq ?? done
    }
    if (this.head === start) return
    if (done !== undefined) {
      this.onDone?.(done)
      this.keeper?.acked(done)
    }
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

/** The outbox a client with Delivery or SharedSocket was made with: the base makes it with their factory. */
export function numbered(outbox: Outbox): NumberedOutbox {
  if (outbox instanceof NumberedOutbox) return outbox
  throw new Error('authsocket bug: the Delivery and SharedSocket features need the numbered outbox')
}
