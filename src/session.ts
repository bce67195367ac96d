/**
 * The client's delivery session (PROTOCOL.md section 7): one random id for the client's life,
 * under which the server counts acknowledged sends and replays what the client missed. It
 * remembers the last server message delivered to the application (`epoch`, `offset`), so a
 * replay delivers each message once and in order.
 * @module
 */
import { sessionFrame } from './frames.js'

export class DeliverySession {
  #id: string
  /** The server stream the offsets belong to; a new one (a restarted server) starts again at 0. */
  #epoch: string | undefined
  #offset: number

  /** Hears every move of the stream's position, and a restored session (the persistent outbox keeps them). */
  onMoved: (() => void) | undefined

  /**
   * `id`: 16 base-36 characters, from the platform's CSPRNG where there is one (Node 18 has none global); the tabs
   * sharing a socket share one.
   */
  constructor(id = randomId(), epoch?: string, offset = 0) {
    this.#id = id
    this.#epoch = epoch
    this.#offset = offset
  }

  /** The session's id, under which the server counts this client's messages. */
  get id(): string {
    return this.#id
  }

  /**
   * Takes up another session before this client opens a socket with it: one an earlier page kept
   * (persist.ts; the server then drops what of it it already delivered), or the group's that a
   * tab sharing the socket joins (shared-socket.ts).
   */
  restore(id: string, epoch: string | undefined, offset: number): void {
    this.#id = id
    this.#epoch = epoch
    this.#offset = offset
  }

  /** Where the application's stream stands: the last numbered message delivered. */
  get position(): { epoch: string | undefined; offset: number } {
    return { epoch: this.#epoch, offset: this.#offset }
  }

  /**
   * The frame that opens the session on a new socket. With `resume` it asks for numbered
   * messages from where the last one left off; a client that has none yet starts at offset 0 of
   * the stream the server announced, so what it misses from there on can be replayed too.
   */
  openingFrame(resume: { epoch?: string } | undefined): string {
    if (!resume) return sessionFrame(this.#id)
    if (this.#epoch === undefined && resume.epoch !== undefined) {
      this.#epoch = resume.epoch
      this.onMoved?.()
    }
    return sessionFrame(this.#id, { epoch: this.#epoch, offset: this.#offset })
  }

  /** A numbered server message: `true` to deliver it (new), `false` for one already delivered. */
  accept(epoch: string | undefined, offset: number): boolean {
    if (epoch !== undefined && epoch !== this.#epoch) {
      this.#epoch = epoch
      this.#offset = 0
    }
    if (offset <= this.#offset) return false
    this.#offset = offset
    this.onMoved?.()
    return true
  }

  /** The server cannot replay what was missed: offsets start again under `epoch`. */
  resync(epoch: string | undefined): void {
    this.#epoch = epoch
    this.#offset = 0
    this.onMoved?.()
  }
}

function randomId(): string {
  const bytes = new Uint8Array(16)
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes)
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256)
  return Array.from(bytes, (b) => (b % 36).toString(36)).join('')
}
