/**
 * What the tabs sharing a socket know of its sends (shared-socket.ts): the messages the leader
 * numbered that are not done yet, the last number it gave, and per tab the last of the tab's own
 * messages it numbered. Every tab keeps one, so that the next leader can write those messages
 * again under the same numbers, and the server drops what it already had.
 * @module
 */
import type { WireData } from './outbox.js'

/** A message some tab sent, numbered by the leader. */
export interface Numbered {
  readonly seq: number
  readonly tab: string
  /** Its number among the tab's own sends. */
  readonly n: number
  readonly data: WireData
}

/** A journal as it goes between tabs. */
export interface Known {
  readonly numbered: Numbered[]
  readonly lastSeq: number
  /** Per tab: the last of its messages numbered (or refused). */
  readonly marks: Record<string, number>
  /** Every message numbered up to this one is done. */
  readonly done: number
}

export class Journal {
  readonly #numbered = new Map<number, Numbered>()
  readonly #marks: Record<string, number> = {}
  #lastSeq = 0
  #done = 0

  get lastSeq(): number {
    return this.#lastSeq
  }

  /** The last of `tab`'s messages numbered or refused (0: none yet). */
  mark(tab: string): number {
    return this.#marks[tab] ?? 0
  }

  /** `tab`'s message `n` was dealt with: numbered, refused, or binary (never numbered). */
  pass(tab: string, n: number): void {
    this.#marks[tab] = Math.max(this.mark(tab), n)
  }

  add(entry: Numbered): void {
    this.#numbered.set(entry.seq, entry)
    this.#lastSeq = Math.max(this.#lastSeq, entry.seq)
    this.pass(entry.tab, entry.n)
  }

  /** Acknowledged (or written, without acks) up to `seq`. */
  done(seq: number): void {
    this.#done = Math.max(this.#done, seq)
    for (const key of this.#numbered.keys()) if (key <= seq) this.#numbered.delete(key)
  }

  /** Adds what another tab's journal holds. */
  learn(known: Known): void {
    for (const entry of known.numbered) this.add(entry)
    this.#lastSeq = Math.max(this.#lastSeq, known.lastSeq)
    for (const [tab, n] of Object.entries(known.marks)) this.pass(tab, n)
    this.done(known.done)
  }

  get known(): Known {
    return { numbered: this.undone(), lastSeq: this.#lastSeq, marks: { ...this.#marks }, done: this.#done }
  }

  /** Numbered and not done, oldest first. */
  undone(): Numbered[] {
    return [...this.#numbered.values()].sort((a, b) => a.seq - b.seq)
  }
}
