/**
 * The persistent outbox (opt-in: the `persist` option): what is not yet acknowledged, and the
 * delivery session, kept in IndexedDB (persist-store.ts) so that a reload, a closed tab or a
 * browser that crashed loses nothing. A message is kept before it is written (the messages of one
 * task in one transaction); an acknowledged one is forgotten. A new page with the same name
 * resumes the same session and writes the rest under their numbers, and the server drops what it
 * already had (PROTOCOL.md section 7).
 *
 * Two tabs with the same name never write each other's messages: each holds a slot (`name#0`,
 * `name#1`, ...) with a Web Lock for its life, and a slot is one session. Tabs sharing a socket
 * share one session: the tab holding the socket keeps it and the group's journal (`name#group`;
 * the socket's lock keeps that to one tab), and the first tab of a group takes it up
 * (shared-socket.ts). Where IndexedDB or Web Locks are missing, full or refused, the client says
 * so once (`PERSIST_FAILED`) and goes on in memory.
 * @module
 */
import { AuthSocketError, describeCause } from './errors.js'
import type { Events } from './events.js'
import type { Feature } from './feature.js'
import type { Keeper, NumberedOutbox } from './numbered-outbox.js'
import { OutboxStore, StorageUnavailable, type SavedMessage } from './persist-store.js'
import type { DeliverySession } from './session.js'
import { invalid, positive } from './validate.js'

/** The option the PersistentOutbox feature owns. */
export interface PersistOptions {
  /**
   * Keeps the messages not yet acknowledged, and the delivery session, in IndexedDB under this
   * name: after a reload, a closed tab or a crashed browser, the next page with the same name
   * sends the rest, and the server drops what it already had. Needs acknowledged sends (the
   * server's `ack`); binary messages are not kept. `maxAge` (ms): a message kept longer is
   * dropped with the `expired` event instead of being sent, and a session untouched that long
   * is not resumed (set it to how long the server keeps sessions). Sign-out on a shared
   * computer: `clearPersisted(name)`.
   * @default off (`maxAge`: 24 hours, the Django package's `DELIVERY_SESSION_TTL`)
   */
  persist?: string | { name: string; maxAge?: number }
}

/** How long a kept message may wait, by default: the Django package keeps a session 24 hours after its last write. */
export const PERSIST_MAX_AGE = 24 * 3600 * 1000

/** Slots a name may have: one per tab open at once. */
const SLOTS = 64

/**
 * What a client's persistence works on: its outbox and session (made by the Delivery feature:
 * `undefined` without it), its events, and how to write what waits.
 */
export interface PersistParts<In> {
  readonly outbox: NumberedOutbox | undefined
  readonly session: DeliverySession | undefined
  readonly events: Events<In>
  /** Writes what waits in the outbox, if the socket is authenticated. */
  flush(): void
}

/** One client's persistence on its own socket: `loaded` settles (never rejects) once the kept messages are back. */
export interface Persisted {
  readonly loaded: Promise<void>
}

/** A session and its messages as an earlier page kept them. */
export interface Kept {
  readonly id: string
  readonly epoch: string | undefined
  readonly offset: number
  /** The number the last message was given (acknowledged ones included). */
  readonly lastSeq: number
  /** Not yet acknowledged, in order. */
  readonly messages: { seq: number; data: string }[]
}

/**
 * The persistence of a tab while it holds the shared socket (shared-socket.ts): the group's
 * session and journal, kept under the name, which the socket's lock keeps to one tab at a time.
 */
export interface GroupKeeper {
  /** What an earlier page of the group kept, for the first tab of a group to take up; `undefined`: nothing. */
  load(): Promise<Kept | undefined>
  /** Keeps from now on what the outbox holds and numbers; settles (never rejects) once all of it is kept. */
  start(): Promise<void>
  /** This tab lets go of the socket: it keeps nothing more (what is kept stays for the next holder). */
  stop(): void
}

function resolvePersist(option: PersistOptions['persist']): { name: string; maxAge: number } | undefined {
  if (option === undefined) return undefined
  const { name, maxAge } = typeof option === 'string' ? { name: option, maxAge: undefined } : (option ?? {})
  if (typeof name !== 'string' || !name)
    throw invalid('Option `persist` must be a name (a non-empty string), or { name, maxAge } with maxAge in ms.')
  return { name, maxAge: positive('persist.maxAge', maxAge, PERSIST_MAX_AGE) }
}

/**
 * The persistent outbox: keeps what is not yet acknowledged across reloads, under the `persist`
 * option's name. Needs the Delivery feature (acknowledged sends).
 */
export const PersistentOutbox: Feature<'PersistentOutbox'> = {
  name: 'PersistentOutbox',
  install(options) {
    const settings = resolvePersist(options.persist)
    if (settings && options.acks === false)
      throw invalid('Option `persist` needs acknowledged sends: leave `acks` out (follow the server) or set it true.')
    /** The parts, with the Delivery feature's, or an error that says to add it. */
    const complete = <In>({ outbox, session, events, flush }: PersistParts<In>): Parts<In> => {
      if (!outbox || !session)
        throw invalid(
          'The PersistentOutbox feature needs the Delivery feature (acknowledged sends): add Delivery to `features`.',
        )
      return { outbox, session, events, flush }
    }
    return {
      attach(given) {
        const parts = complete(given)
        if (!settings) return undefined
        const persistence = new Persistence(settings.name, settings.maxAge, parts)
        return { loaded: ownSlot(settings.name, persistence, parts) }
      },
      group(given) {
        const parts = complete(given)
        if (!settings) return undefined
        const persistence = new Persistence(settings.name, settings.maxAge, parts)
        const key = `${settings.name}#group`
        return {
          load: () => persistence.load(key).catch((cause) => persistence.fail(cause)),
          start: () => persistence.start(key).catch((cause) => persistence.fail(cause)),
          stop: () => persistence.stop(),
        }
      },
    }
  },
}

/** A client on its own socket: takes a slot, puts back what it kept, and keeps from then on. */
async function ownSlot<In>(name: string, persistence: Persistence<In>, parts: Parts<In>): Promise<void> {
  try {
    const key = `${name}#${await takeSlot(name)}`
    const kept = await persistence.load(key)
    if (kept) {
      parts.session.restore(kept.id, kept.epoch, kept.offset)
      parts.outbox.restore(kept.messages, kept.lastSeq)
    }
    await persistence.start(key)
  } catch (cause) {
    persistence.fail(cause)
  }
}

/**
 * Takes the first slot of `name` no other tab holds, and holds it while the page lives. A reloaded
 * page gets its own slot back: Chromium lets go of the page's locks before the next page runs
 * (test/e2e/persist.spec.ts reloads mid-stream).
 */
async function takeSlot(name: string): Promise<number> {
  const locks = globalThis.navigator?.locks
  if (!locks) throw new StorageUnavailable('no Web Locks here')
  for (let slot = 0; slot < SLOTS; slot++) if (await hold(locks, `authsocket-outbox:${name}#${slot}`)) return slot
  throw new StorageUnavailable(`all ${SLOTS} slots are held by other tabs`)
}

/** Takes the lock `name` if no one holds it, and holds it until the page goes. */
function hold(locks: LockManager, name: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        resolve(lock !== null)
        // Held until the page goes: an unsettled promise.
        return lock ? new Promise<void>(() => undefined) : undefined
      })
      .catch(reject)
  })
}

/** A client's parts, with the Delivery feature's. */
type Parts<In> = { [K in keyof PersistParts<In>]-?: NonNullable<PersistParts<In>[K]> }

/**
 * Keeps what one outbox holds, under one key: `load` reads what is kept there, `start` keeps the
 * outbox from then on (a message is written once kept), `stop` lets go, `fail` goes to memory for
 * good.
 */
class Persistence<In> implements Keeper {
  readonly #name: string
  readonly #maxAge: number
  readonly #parts: Parts<In>
  #key = ''
  #store: OutboxStore | undefined
  /** Keeping: between `start` and `stop`. */
  #keeping = false
  /** Memory only, for good: the storage failed, or the server does not acknowledge. */
  #off = false
  keptUpTo = 0
  /** What the next write does. */
  #keep: SavedMessage[] = []
  #forgetUpTo: number | undefined
  /** The first write clears the key: what the outbox holds then is all there is. */
  #clear = false
  #sessionMoved = false
  #scheduled = false
  #writing = false

  constructor(name: string, maxAge: number, parts: Parts<In>) {
    this.#name = name
    this.#maxAge = maxAge
    this.#parts = parts
  }

  kept(seq: number, data: string): void {
    if (!this.#keeping) return
    this.#keep.push({ key: this.#key, seq, data, at: Date.now() })
    this.#schedule()
  }

  acked(seq: number): void {
    if (!this.#keeping) return
    this.#forgetUpTo = seq
    this.#schedule()
  }

  unacknowledged(): void {
    if (this.#off) return
    const store = this.#store
    this.#stop(
      'the server does not acknowledge messages (no `ack` in its 200 frame), so none can be kept safely: ' +
        'they are kept in memory only. Enable acknowledged sends on the server (docs/django.md).',
    )
    // What was kept would be written again by the next page, and a server that does not acknowledge cannot drop it.
    const forgetAll = { key: this.#key, clear: true, forgetUpTo: undefined, keep: [], session: undefined }
    void store?.write(forgetAll).catch(() => undefined)
  }

  #moved(): void {
    if (!this.#keeping) return
    this.#sessionMoved = true
    this.#schedule()
  }

  /**
   * Opens the store and reads what is kept under `key`. A session untouched for `maxAge` is not
   * taken up, and a message kept longer is dropped: both told with `expired`.
   */
  async load(key: string): Promise<Kept | undefined> {
    this.#store ??= await OutboxStore.open()
    const saved = await this.#store.load(key)
    const now = Date.now()
    const young = saved.session !== undefined && now - saved.session.at <= this.#maxAge
    // The server may have forgotten an old session: nothing of it can be sent safely.
    const fresh: SavedMessage[] = []
    const expired: SavedMessage[] = []
    for (const message of saved.messages) {
      if (young && now - message.at <= this.#maxAge) fresh.push(message)
      else expired.push(message)
    }
    if (expired.length > 0) this.#parts.events.emit('expired', { messages: expired.map((message) => message.data) })
    if (!young || !saved.session) return undefined
    const { id, epoch, offset, lastSeq } = saved.session
    return { id, epoch, offset, lastSeq, messages: fresh.map(({ seq, data }) => ({ seq, data })) }
  }

  /** Keeps what the outbox holds now under `key` (cleared first), and all it numbers from now on. */
  async start(key: string): Promise<void> {
    if (this.#off) return
    this.#key = key
    const { outbox, session } = this.#parts
    this.#store ??= await OutboxStore.open()
    if (this.#off) return
    outbox.keeper = this
    session.onMoved = () => this.#moved()
    this.#keeping = true
    this.keptUpTo = 0
    const now = Date.now()
    this.#keep = outbox.numbered().map(({ seq, data }) => ({ key: this.#key, seq, data, at: now }))
    this.#clear = true
    this.#sessionMoved = true
    await this.#write()
  }

  /** Keeps nothing more; what is kept stays. */
  stop(): void {
    this.#keeping = false
    this.#keep = []
    if (this.#parts.outbox.keeper === this) this.#parts.outbox.keeper = undefined
    this.#parts.session.onMoved = undefined
  }

  #schedule(): void {
    if (this.#scheduled || this.#writing) return
    this.#scheduled = true
    // The messages of one task in one transaction.
    queueMicrotask(() => void this.#write())
  }

  /** Writes what is due in one transaction, then lets the outbox write what it kept. */
  async #write(): Promise<void> {
    this.#scheduled = false
    const store = this.#store
    if (!this.#keeping || !store) return
    const forgetUpTo = this.#forgetUpTo
    // One acknowledged in the task it was sent in is not kept at all.
    const keep = forgetUpTo === undefined ? this.#keep : this.#keep.filter((message) => message.seq > forgetUpTo)
    const clear = this.#clear
    const { outbox, session } = this.#parts
    this.#keep = []
    this.#forgetUpTo = undefined
    this.#clear = false
    this.#sessionMoved = false
    const { epoch, offset } = session.position
    const saved = { key: this.#key, id: session.id, epoch, offset, lastSeq: outbox.lastSeq, at: Date.now() }
    this.#writing = true
    try {
      await store.write({ key: this.#key, clear, forgetUpTo, keep, session: saved })
    } catch (cause) {
      this.#writing = false
      this.fail(cause)
      return
    }
    this.#writing = false
    if (!this.#keeping) return
    const last = keep.at(-1)
    if (last) {
      this.keptUpTo = Math.max(this.keptUpTo, last.seq)
      this.#parts.flush()
    }
    if (this.#keep.length > 0 || this.#forgetUpTo !== undefined || this.#sessionMoved) this.#schedule()
  }

  /** The storage failed: said once, then memory only. */
  fail(cause: unknown): undefined {
    if (this.#off) return undefined
    // A browser's own message may quote what it could not store: only its name is said.
    const why = cause instanceof StorageUnavailable ? cause.message : describeCause(cause)
    this.#stop(
      `could not keep messages in IndexedDB (${why}): they are kept in memory only, ` +
        'and a reload loses what is not yet acknowledged.',
    )
    return undefined
  }

  /**
   * Memory only from now on. Told after the current task: this may run inside the outbox's own
   * flush, which a listener's `send()` must not re-enter.
   */
  #stop(why: string): void {
    this.#off = true
    this.stop()
    this.keptUpTo = Infinity
    const error = new AuthSocketError('PERSIST_FAILED', `Persistent outbox "${this.#name}": ${why}`)
    queueMicrotask(() => {
      this.#parts.events.emit('error', error)
      this.#parts.flush()
    })
  }
}

/**
 * Forgets every message and session kept under `name`: on sign-out, so that the next user of a
 * shared computer sends nothing of this one's. Close the client first (a live one keeps writing).
 * Resolves when done; rejects where there is no IndexedDB.
 */
export async function clearPersisted(name: string): Promise<void> {
  const store = await OutboxStore.open()
  try {
    await store.clear(name)
  } finally {
    store.close()
  }
}
