/**
 * The client's delivery session (PROTOCOL.md section 7): one random id for the client's life,
 * under which the server counts acknowledged sends and replays what the client missed. It
 * remembers the last server message delivered to the application (`epoch`, `offset`), so a
 * replay delivers each message once and in order.
 * @module
 */

export class DeliverySession {
  readonly id = Array.from({ length: 16 }, () => Math.floor(Math.random() * 36).toString(36)).join('')
  /** The server stream the offsets belong to; a new one (a restarted server) starts again at 0. */
  #epoch: string | undefined
  #offset = 0

  /**
   * The frame that opens the session on a new socket. With `resume` it asks for numbered
   * messages from where the last one left off; a client that has none yet starts at offset 0 of
   * the stream the server announced, so what it misses from there on can be replayed too.
   */
  openingFrame(resume: { epoch?: string } | undefined): string {
    if (!resume) return `{"action":"session","id":"${this.id}"}`
    this.#epoch ??= resume.epoch
    const at = this.#epoch === undefined ? '' : `,"epoch":${JSON.stringify(this.#epoch)},"offset":${this.#offset}`
    return `{"action":"session","id":"${this.id}","resume":true${at}}`
  }

  /** A numbered server message: `true` to deliver it (new), `false` for one already delivered. */
  accept(epoch: string | undefined, offset: number): boolean {
    if (epoch !== undefined && epoch !== this.#epoch) {
      this.#epoch = epoch
      this.#offset = 0
    }
    if (offset <= this.#offset) return false
    this.#offset = offset
    return true
  }

  /** The server cannot replay what was missed: offsets start again under `epoch`. */
  resync(epoch: string | undefined): void {
    this.#epoch = epoch
    this.#offset = 0
  }
}
