/**
 * The connection's status as a store any UI framework can read: a `subscribe` + `getSnapshot`
 * pair that React's `useSyncExternalStore` takes as is, and that is Svelte's store contract
 * (`subscribe` calls the listener at once with the current value). Vue, Solid and Angular
 * signals need a few lines (docs/frameworks.md, "Any framework").
 * @module
 */
import { internals, type BaseAuthSocket } from './base.js'
import type { AuthSocketError } from './errors.js'
import type { ConnectionState } from './machine.js'

/** What a UI shows about the connection. A new, frozen object each time something in it changes, never otherwise. */
export interface SocketStatus {
  readonly state: ConnectionState
  /** The last error emitted, until the next authentication clears it. */
  readonly error: AuthSocketError | undefined
  /** The user the server said it authenticated (the 200 frame's `user`), from the last authentication. */
  readonly user: unknown
  /** When the current credential expires (ms since the epoch, server clock), if known. */
  readonly expiresAt: number | undefined
  /** Messages waiting for authentication. */
  readonly queued: number
}

/** A subscribe + snapshot pair. Both functions are bound: pass them around as they are. */
export interface StatusStore {
  /** Calls `listener` at once with the current status, then on every change. Returns the unsubscribe. */
  readonly subscribe: (listener: (status: SocketStatus) => void) => () => void
  /** The current status; the same object until something changes. */
  readonly getSnapshot: () => SocketStatus
}

export class Status implements StatusStore {
  #snapshot: SocketStatus
  readonly #listeners = new Set<(status: SocketStatus) => void>()
  readonly #report: (cause: unknown) => void
  /**
   * Set while listeners run: a change they cause (a reported throw) is notified once more, after them, never in a loop.
   */
  #notifying = false

  /** `report` hears of a listener that threw (the others still run). */
  constructor(first: Pick<SocketStatus, 'state' | 'error' | 'queued'>, report: (cause: unknown) => void) {
    this.#snapshot = Object.freeze({ ...first, user: undefined, expiresAt: undefined })
    this.#report = report
  }

  readonly subscribe = (listener: (status: SocketStatus) => void): (() => void) => {
    this.#listeners.add(listener)
    this.#call(listener)
    return () => void this.#listeners.delete(listener)
  }

  readonly getSnapshot = (): SocketStatus => {
    // A read sees the outbox as it is; subscribers still hear of it at the end of the task.
    if (this.#takeQueued()) this.#unheard = true
    return this.#snapshot
  }

  /** The outbox's size, and whether it changed since the snapshot took it; a snapshot taken but not yet notified. */
  #queued: () => number = () => 0
  #queuedDue = false
  #unheard = false

  /**
   * The outbox changed size. It does with every send and every ack, so the snapshot takes the
   * new size when read, and subscribers hear it once, when the current task ends.
   */
  queuedChanged(size: () => number): void {
    this.#queued = size
    if (this.#queuedDue) return
    this.#queuedDue = true
    queueMicrotask(() => {
      if (this.#takeQueued() || this.#unheard) this.#publish()
    })
  }

  #takeQueued(): boolean {
    if (!this.#queuedDue) return false
    this.#queuedDue = false
    const queued = this.#queued()
    if (queued === this.#snapshot.queued) return false
    this.#snapshot = Object.freeze({ ...this.#snapshot, queued })
    return true
  }

  /** Applies `change`; listeners run only if a field really changed. */
  update(change: Partial<SocketStatus>): void {
    const current = this.#snapshot as unknown as Record<string, unknown>
    if (Object.entries(change).every(([key, value]) => Object.is(current[key], value))) return
    this.#snapshot = Object.freeze({ ...this.#snapshot, ...change })
    this.#publish()
  }

  #publish(): void {
    this.#unheard = false
    if (this.#notifying) return
    this.#notifying = true
    try {
      const notified = this.#notify()
      if (this.#snapshot !== notified) this.#notify()
    } finally {
      this.#notifying = false
    }
  }

  #notify(): SocketStatus {
    const snapshot = this.#snapshot
    for (const listener of [...this.#listeners]) this.#call(listener)
    return snapshot
  }

  #call(listener: (status: SocketStatus) => void): void {
    try {
      listener(this.#snapshot)
    } catch (cause) {
      this.#report(cause)
    }
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any client, whatever its message types
const stores = new WeakMap<BaseAuthSocket<any, any>, Status>()

/**
 * The status store of `socket`: made on the first call, the same one after. {@link AuthSocket}
 * makes it when constructed (`socket.store`). With a {@link BaseAuthSocket}, call it right after
 * constructing the client: the store hears what happens from then on (its first snapshot has the
 * current state, the reason of a `failed` client and the messages waiting), so a `user` or an
 * error before it is not in it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any client, whatever its message types
export function statusStore(socket: BaseAuthSocket<any, any>): StatusStore {
  const made = stores.get(socket)
  if (made) return made
  const client = internals(socket)
  const state = socket.state
  const error = state === 'failed' ? client.lastError() : undefined
  // `queued` as the store counts it from then on: the outbox's size.
  const queued = client.outboxSize()
  const store = new Status({ state, error, queued }, (cause) => client.report('status', cause))
  socket.on('state', ({ state }) => store.update({ state }))
  socket.on('error', (error) => store.update({ error }))
  socket.on('authenticated', ({ user, expiresAt }) => store.update({ user, expiresAt, error: undefined }))
  client.watchOutbox((size) => store.queuedChanged(size))
  stores.set(socket, store)
  return store
}
