/**
 * Where the persistent outbox keeps its data: one IndexedDB database (`authsocket-outbox`) with
 * two object stores, the delivery sessions by key and the unacknowledged messages by key and
 * number. A key is the outbox's name and the slot a tab holds (persist.ts). Only this file
 * touches IndexedDB; it decides nothing.
 * @module
 */

/** A delivery session as kept: enough to resume it after a reload. */
export interface SavedSession {
  readonly key: string
  /** The session id the server knows the client by. */
  readonly id: string
  /** Where the server's numbered stream stood (resume). */
  readonly epoch: string | undefined
  readonly offset: number
  /** The number the last message kept was given: the next one is numbered after it. */
  readonly lastSeq: number
  /** When it was last written (ms since the epoch). */
  readonly at: number
}

/** A message kept until the server acknowledges it. */
export interface SavedMessage {
  readonly key: string
  readonly seq: number
  /** The message as it goes on the wire inside its numbered frame (text only: binary is never acknowledged). */
  readonly data: string
  /** When it was kept (ms since the epoch). */
  readonly at: number
}

/** What one write does, in one transaction: messages forgotten, then messages kept, and the session. */
export interface Batch {
  readonly key: string
  /** Forget every message of the key first. */
  readonly clear: boolean
  /** Forget every message numbered up to this. */
  readonly forgetUpTo: number | undefined
  readonly keep: readonly SavedMessage[]
  readonly session: SavedSession | undefined
}

/** Why the store cannot be used, in this library's own words (safe to show, unlike a browser's message). */
export class StorageUnavailable extends Error {
  override readonly name = 'StorageUnavailable'
}

const DATABASE = 'authsocket-outbox'
const SESSIONS = 'sessions'
const MESSAGES = 'messages'

/** The platform's IndexedDB, or `undefined` (Node, some private windows, a sandboxed frame). */
function indexedDb(): IDBFactory | undefined {
  try {
    return globalThis.indexedDB ?? undefined
  } catch {
    return undefined // a sandboxed frame may throw on the mere read
  }
}

/** A request's result, as a promise. */
function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new StorageUnavailable('an IndexedDB request failed'))
  })
}

/** A transaction's end: resolves once committed, rejects when aborted (quota, a closing database). */
function committed(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve()
    transaction.onabort = () =>
      reject(transaction.error ?? new StorageUnavailable('an IndexedDB transaction was aborted'))
    transaction.onerror = () => undefined // the abort that follows reports it
  })
}

/** Every message of `key`, as a key range of the messages store. */
const messagesOf = (key: string, upTo = Infinity) => IDBKeyRange.bound([key, -Infinity], [key, upTo])

export class OutboxStore {
  readonly #db: IDBDatabase

  private constructor(db: IDBDatabase) {
    this.#db = db
  }

  /** Opens the database; rejects where there is no IndexedDB or it refuses (a private window may). */
  static async open(): Promise<OutboxStore> {
    const factory = indexedDb()
    if (!factory) throw new StorageUnavailable('no IndexedDB here')
    const request = factory.open(DATABASE, 1)
    request.onupgradeneeded = () => {
      const db = request.result
      db.createObjectStore(SESSIONS, { keyPath: 'key' })
      db.createObjectStore(MESSAGES, { keyPath: ['key', 'seq'] })
    }
    const db = await done(request)
    // Another version of this library upgrading the database: let it, and stop using this connection.
    db.onversionchange = () => db.close()
    return new OutboxStore(db)
  }

  /** The session and messages kept under `key`, the messages in order. */
  async load(key: string): Promise<{ session: SavedSession | undefined; messages: SavedMessage[] }> {
    const transaction = this.#db.transaction([SESSIONS, MESSAGES], 'readonly')
    const [session, messages] = await Promise.all([
      done(transaction.objectStore(SESSIONS).get(key) as IDBRequest<SavedSession | undefined>),
      done(transaction.objectStore(MESSAGES).getAll(messagesOf(key)) as IDBRequest<SavedMessage[]>),
    ])
    return { session, messages }
  }

  /** Applies `batch` in one transaction, all or nothing: resolves once it is committed. */
  async write(batch: Batch): Promise<void> {
    const transaction = this.#db.transaction([SESSIONS, MESSAGES], 'readwrite')
    const done = committed(transaction)
    try {
      const messages = transaction.objectStore(MESSAGES)
      if (batch.clear) messages.delete(messagesOf(batch.key))
      else if (batch.forgetUpTo !== undefined) messages.delete(messagesOf(batch.key, batch.forgetUpTo))
      for (const message of batch.keep) messages.put(message)
      if (batch.session) transaction.objectStore(SESSIONS).put(batch.session)
    } catch (error) {
      // A request that throws (a value it cannot clone, a full disk) would leave the others to commit.
      transaction.abort()
      done.catch(() => undefined)
      throw error
    }
    return done
  }

  /** Forgets everything kept under the keys `name` owns (`name#0`, `name#1`, ...). */
  clear(name: string): Promise<void> {
    const transaction = this.#db.transaction([SESSIONS, MESSAGES], 'readwrite')
    // '#' then every character after it sorts between `name#` and `name#\uffff`.
    const keys = IDBKeyRange.bound(`${name}#`, `${name}#\uffff`)
    transaction.objectStore(SESSIONS).delete(keys)
    transaction.objectStore(MESSAGES).delete(IDBKeyRange.bound([`${name}#`, -Infinity], [`${name}#\uffff`, Infinity]))
    return committed(transaction)
  }

  close(): void {
    this.#db.close()
  }
}
