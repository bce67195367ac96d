/**
 * One socket for all the tabs of an origin (the `shareSocket` option). The tab holding a Web Lock
 * leads: it runs the only connection, sends what the other tabs hand it, and tells them what its
 * socket does. The others follow: they mirror its state and events, and their `send()` goes to
 * it over a BroadcastChannel. When the leader goes (its tab closed), the next tab in the lock's
 * queue leads. Every tab keeps the group's delivery session and the messages not yet
 * acknowledged, so the new leader writes them again under the same numbers and resumes where the
 * old one left off: the server drops what it already had (PROTOCOL.md section 7).
 * @module
 */
import type { Link } from './base.js'
import { Connection } from './connection.js'
import { AuthSocketError } from './errors.js'
import type { AuthSocketEvents, Events } from './events.js'
import type { ConnectionParts, Feature } from './feature.js'
import { HandedMessages } from './handed.js'
import type { ConnectionState } from './machine.js'
import type { ResolvedOptions } from './options.js'
import { numbered, NumberedOutbox } from './numbered-outbox.js'
import type { GroupKeeper, Kept } from './persist.js'
import type { WireData } from './outbox.js'
import type { PendingReceipt, Receipt } from './receipt.js'
import { Journal, type Known, type Numbered } from './journal.js'
import { Page } from './page.js'
import { DeliverySession } from './session.js'
import { decodeEvent, encodeEvent, NoteChannel, RELAYED, type Group, type Note, type Relayed } from './tab-notes.js'
import { invalid } from './validate.js'

/** The option the SharedSocket feature owns. */
export interface SharedSocketOptions {
  /**
   * One socket for all this origin's tabs that give the same name: the tab holding a Web Lock
   * opens it, the others send and receive through that tab, with the same API and events; when
   * it closes the next tab takes over, and acks with resume make that lose nothing (docs/guide.md,
   * "Many tabs"). Without Web Locks or BroadcastChannel each tab opens its own.
   * @default undefined (each tab opens its own)
   */
  shareSocket?: string
}

/** Whether this environment can share a socket between tabs. */
export const canShare = (): boolean =>
  !!(globalThis as { navigator?: { locks?: unknown } }).navigator?.locks && typeof BroadcastChannel === 'function'

/** Ms a new leader waits for the other tabs' reports (a frozen tab sends none). */
const SURVEY = 1000
/** The tab of the messages an earlier page kept: none of the tabs now. */
const KEPT = 'kept'

/**
 * The shared socket feature: owns the `shareSocket` option (the name the tabs share). Where the
 * environment has no Web Locks or BroadcastChannel each tab opens its own socket.
 */
export const SharedSocket: Feature<'SharedSocket'> = {
  name: 'SharedSocket',
  install(options) {
    const name = options.shareSocket
    if (name !== undefined && (typeof name !== 'string' || !name))
      throw invalid('Option `shareSocket` must be a name (a non-empty string) that the tabs sharing the socket give.')
    return {
      outbox: (limit, onChange) => new NumberedOutbox(limit, onChange),
      link: (o, baseUrl, parts) =>
        name !== undefined && canShare() ? new SharedLink(o, name, baseUrl, parts) : undefined,
    }
  },
}

/** The link of a tab that shares its socket: leading (its own connection) or following (notes to the leader). */
class SharedLink<In, Out> implements Link {
  readonly #o: ResolvedOptions<In, Out>
  readonly #baseUrl: string
  readonly #events: Events<In>
  readonly #outbox: NumberedOutbox
  readonly #settled: (error?: AuthSocketError) => void
  readonly #tab = Math.random().toString(36).slice(2)
  readonly #name: string
  #channel: NoteChannel | undefined
  readonly #page = new Page()
  #unwatch: (() => void) | undefined
  /** Left for the back/forward cache or a freeze, back on `pageshow` or `resume`. */
  #away = false
  #quit: AbortController | undefined
  #connection: Connection<In, Out> | undefined
  /** The group's delivery session: this tab's until it hears a leader's (`#join`). */
  #session: DeliverySession
  /** Where the leader's relayed stream stood at its last message: a changed position means the message was numbered. */
  #relayedAt: DeliverySession['position']
  readonly #journal = new Journal()
  readonly #handed: HandedMessages
  #n = 0
  #state: ConnectionState = 'idle'
  #user: unknown
  #heardReport: ((known: Known) => void) | undefined
  /** The tab that led when this one last heard: the next leader waits for its `bye`. */
  #leaderTab: string | undefined
  /** The tabs whose `bye` this tab has heard. */
  readonly #byes = new Set<string>()
  #heardBye: ((tab: string) => void) | undefined
  #expiresAt: number | undefined
  /** A follower's: the last error the leader told of (the reason, when it ended `failed`). */
  #lastError: AuthSocketError | undefined
  /** With the persistent outbox: keeps the group's session and journal while this tab leads. */
  readonly #keeper: GroupKeeper | undefined
  /** This tab has heard a leader's group: it knows more than what an earlier page kept. */
  #joined = false

  constructor(o: ResolvedOptions<In, Out>, name: string, baseUrl: string, parts: ConnectionParts<In>) {
    this.#o = o
    this.#baseUrl = baseUrl
    this.#events = parts.events
    this.#outbox = numbered(parts.outbox)
    this.#settled = parts.settled
    this.#name = `authsocket-socket:${name}`
    // The client's own session (the Delivery feature's) when it has one: the group's needs one either way.
    this.#session = parts.session ?? new DeliverySession()
    this.#relayedAt = this.#session.position
    this.#handed = new HandedMessages(o.maxQueueSize, o.ackTimeout)
    // Given the client's own session: without Delivery the persistent outbox says to add it.
    this.#keeper = o.features.PersistentOutbox?.group({
      outbox: this.#outbox,
      session: parts.session,
      events: this.#events,
      flush: () => this.flush(),
    })
    // While leading, what the connection does is told to the other tabs.
    for (const type of RELAYED)
      this.#events.on(type, (payload) => {
        const encoded = this.#connection && encodeEvent(type, payload)
        if (encoded !== undefined) this.#post({ kind: 'event', type, payload: encoded })
      })
    this.#events.on('message', (data) => {
      if (!this.#connection) return
      const at = this.#session.position
      const numbered = at.epoch !== this.#relayedAt.epoch || at.offset !== this.#relayedAt.offset
      this.#relayedAt = at
      this.#post({ kind: 'message', data, at: numbered ? at : undefined })
    })
    this.#events.on('authenticated', ({ user, expiresAt }) => {
      this.#user = user
      this.#expiresAt = expiresAt
    })
  }

  get state(): ConnectionState {
    return this.#connection?.state ?? this.#state
  }

  get lastError(): AuthSocketError | undefined {
    return this.#connection ? this.#connection.lastError : this.#lastError
  }

  write(data: WireData): boolean {
    return this.#connection?.write(data) ?? false
  }

  /**
   * This tab's own message while it leads (a follower's go through `handOver`): into the outbox, numbered for all tabs,
   * then written.
   */
  queue(data: WireData, receipt: PendingReceipt): boolean {
    if (!this.#outbox.push(data, receipt)) return false
    this.#number(this.#tab, ++this.#n)
    this.#connection?.flush()
    return true
  }

  /**
   * A follower's send: kept until the leader says it is done. `undefined` when the leader is this tab (the outbox takes
   * it).
   */
  flush(): void {
    this.#connection?.flush()
  }

  handOver(data: WireData): Receipt | undefined {
    if (this.#connection) return undefined
    const entry = this.#handed.add(this.#n + 1, data)
    this.#n++
    this.#post({ kind: 'send', tab: this.#tab, n: entry.n, data })
    return entry.receipt
  }

  get handed(): number {
    return this.#handed.size
  }

  start(): void {
    if (this.#unwatch) {
      // connect() after the group failed: the leader starts again
      if (this.state === 'failed') this.restart()
      return
    }
    // A tab going into the back/forward cache, or frozen, lets go: a cached or frozen tab holding
    // the lock would leave every tab without a socket, and one granted it could not take it.
    const back = () => {
      if (!this.#away || this.#page.parked !== undefined) return false
      this.#enter()
      return true
    }
    // The page watcher of this tab, and of its connection while it leads (`pageDriven`).
    const wake = () => {
      if (!back()) this.#connection?.wake()
    }
    // A tab being closed still runs tasks before it goes: a leader that numbered a follower's
    // message then, after its bye, gave the next leader a seq it did not know (seen here). It
    // leaves at once instead (`gone`): its bye is its last word.
    const gone = () => {
      if (this.#connection) this.#leave()
    }
    this.#unwatch = this.#page.watch({ hide: () => this.#leave(), show: back, wake, gone }, true)
    this.#enter()
  }

  restart(): void {
    if (this.#connection) this.#connection.restart()
    else if (this.#channel) this.#post({ kind: 'restart' })
    else this.start()
  }

  /** This tab leaves: as leader it closes the socket and lets the next tab take over. */
  stop(): void {
    if (!this.#unwatch) return
    this.#unwatch()
    this.#unwatch = undefined
    const leading = this.#leave()
    this.#away = false
    const error = new AuthSocketError('NOT_CONNECTED', 'close() was called before the message was acknowledged.')
    for (const entry of this.#handed.take()) entry.receipt.fail(error)
    if (!leading) {
      this.#mirror('closed')
      return
    }
    this.#state = 'closed' // the connection told this tab's listeners
  }

  /** Joins the group: asks the leader how it stands, and queues for the lock. */
  #enter(): void {
    this.#away = false
    this.#channel = new NoteChannel(this.#name, (note) => this.#hear(note))
    this.#mirror('connecting')
    this.#post({ kind: 'hello' })
    const quit = (this.#quit = new AbortController())
    // aborted: this tab left
    navigator.locks.request(this.#name, { signal: quit.signal }, () => this.#lead(quit.signal)).catch(() => undefined)
  }

  /** Leaves the group (closes the socket if it leads, lets go of the lock); returns whether it led. */
  #leave(): boolean {
    const connection = this.#connection
    // A leader's last note, after all it numbered: the next leader numbers nothing before it has
    // heard it (or waited SURVEY), so no seq is given twice.
    if (connection) this.#post({ kind: 'bye', tab: this.#tab, known: this.#journal.known })
    if (connection) this.#keeper?.stop()
    this.#connection = undefined // stop telling the others: the socket is theirs to reopen
    this.#away = true
    this.#quit?.abort()
    this.#channel?.close()
    this.#channel = undefined
    connection?.stop()
    return connection !== undefined
  }

  /** Holding the lock: lead until this tab closes. */
  async #lead(quit: AbortSignal): Promise<void> {
    await Promise.all([this.#survey(), this.#farewell()])
    if (quit.aborted) return
    // The first tab of a group takes up what an earlier page of it kept (the persistent outbox).
    if (this.#keeper && !this.#joined) {
      const kept = await this.#keeper.load()
      if (quit.aborted) return
      if (kept) this.#takeUp(kept)
    }
    // The outbox becomes the group's: what is numbered and not done, then this tab's own messages not numbered yet.
    const handed = this.#handed.take()
    const mine = new Map(handed.map((entry) => [entry.n, entry]))
    this.#outbox.adopt(
      this.#journal
        .undone()
        .map(({ data, seq, tab, n }) => ({ data, seq, receipt: tab === this.#tab ? mine.get(n)?.receipt : undefined })),
      this.#journal.lastSeq,
    )
    this.#outbox.onDone = (seq) => this.#done(seq)
    const connection = new Connection<In, Out>(this.#o, this.#baseUrl, {
      events: this.#events,
      outbox: this.#outbox,
      session: this.#session,
      settled: this.#settled,
      pageDriven: true,
      // What the group's outbox holds is kept before the socket opens.
      loaded: this.#keeper?.start(),
    })
    this.#connection = connection
    for (const entry of handed) if (entry.seq === undefined) this.#take(this.#tab, entry.n, entry.data, entry.receipt)
    this.#relayedAt = this.#session.position
    this.#post({ kind: 'group', group: this.#group() })
    connection.start()
    await new Promise<void>((resolve) => quit.addEventListener('abort', () => resolve(), { once: true }))
  }

  /** The group's session and journal as an earlier page kept them: numbered as they were, by no tab of now. */
  #takeUp(kept: Kept): void {
    this.#session.restore(kept.id, kept.epoch, kept.offset)
    this.#relayedAt = this.#session.position
    const numbered = kept.messages.map(({ seq, data }) => ({ seq, data, tab: KEPT, n: seq }))
    this.#journal.learn({ numbered, lastSeq: kept.lastSeq, marks: {}, done: 0 })
  }

  /**
   * A tab that just got the lock asks the others what they know: a grant can reach it before
   * the last notes of the tab that held it (seen in Chromium), which some other tab may have.
   * Every other tab has a request for the lock queued, so their number is known.
   */
  async #survey(): Promise<void> {
    const { pending = [] } = await navigator.locks.query()
    let expected = pending.filter((request) => request.name === this.#name).length
    if (expected === 0) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, SURVEY)
      this.#heardReport = (known) => {
        this.#journal.learn(known)
        if (--expected > 0) return
        clearTimeout(timer)
        resolve()
      }
      this.#post({ kind: 'survey' })
    })
    this.#heardReport = undefined
  }

  /**
   * A tab that just got the lock waits for the previous leader's `bye` (at most SURVEY ms; a
   * crashed tab sends none). Its notes reach each tab in order, but the grant can come before
   * them, and no other tab may have heard its last ones either: a leader that numbered a message
   * just before its tab closed, unknown to the next leader, had its seq given again to another
   * message, which the server then dropped as delivered (seen in about 1 run of 5 of the
   * ten-handover test, with the first message delivered twice under its new seq).
   */
  async #farewell(): Promise<void> {
    const previous = this.#leaderTab
    if (previous === undefined || previous === this.#tab || this.#byes.has(previous)) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, SURVEY)
      this.#heardBye = (tab) => {
        if (tab !== previous) return
        clearTimeout(timer)
        resolve()
      }
    })
    this.#heardBye = undefined
  }

  /** The leader takes a message from `tab` into the outbox and numbers it for all. */
  #take(tab: string, n: number, data: WireData, receipt?: PendingReceipt): void {
    // One tab's messages are numbered in its order: one numbered already is dropped, and one whose
    // predecessor is still on its way (sent before this tab led) waits for the tab to send both again.
    if (n !== this.#journal.mark(tab) + 1) return
    if (!this.#outbox.push(data, receipt)) {
      this.#journal.pass(tab, n)
      this.#post({ kind: 'refused', tab, n })
      return
    }
    this.#number(tab, n)
    this.#connection!.flush()
  }

  /** The outbox's last message (from `tab`) is numbered: every tab hears it before it is written. */
  #number(tab: string, n: number): void {
    const seq = this.#outbox.lastSeq
    if (seq === this.#journal.lastSeq) {
      // binary: not numbered, not kept
      this.#journal.pass(tab, n)
      return
    }
    const entry: Numbered = { seq, tab, n, data: this.#outbox.lastData! }
    this.#journal.add(entry)
    this.#post({ kind: 'numbered', entry })
  }

  /** Done up to `seq`: the leader tells the others, and each tab settles its own messages' receipts. */
  #done(seq: number): void {
    this.#journal.done(seq)
    if (this.#connection) {
      this.#post({ kind: 'done', seq })
      return
    }
    this.#handed.done(seq)
  }

  #group(): Group {
    const { epoch, offset } = this.#session.position
    const error = this.lastError && encodeEvent('error', this.lastError)
    const known = this.#journal.known
    return {
      ...known,
      leader: this.#tab,
      id: this.#session.id,
      epoch,
      offset,
      state: this.state,
      user: this.#user,
      expiresAt: this.#expiresAt,
      error,
    }
  }

  #hear(note: Note): void {
    if (note.kind === 'bye') {
      this.#journal.learn(note.known)
      this.#byes.add(note.tab)
      this.#heardBye?.(note.tab)
      return
    }
    if (this.#connection) {
      if (note.kind === 'hello') this.#post({ kind: 'group', group: this.#group() })
      else if (note.kind === 'send') this.#take(note.tab, note.n, note.data)
      else if (note.kind === 'restart') this.#connection.restart()
      return
    }
    if (note.kind === 'report') return this.#heardReport?.(note.known)
    if (note.kind === 'survey') this.#post({ kind: 'report', known: this.#journal.known })
    else if (note.kind === 'group') this.#join(note.group)
    else if (note.kind === 'numbered') {
      const { entry } = note
      this.#journal.add(entry)
      if (entry.tab === this.#tab) this.#handed.numbered(entry.n, entry.seq)
    } else if (note.kind === 'done') {
      this.#done(note.seq)
    } else if (note.kind === 'refused' && note.tab === this.#tab) this.#handed.refused(note.n)
    else if (note.kind === 'message') {
      if (!note.at || this.#session.accept(note.at.epoch, note.at.offset)) this.#events.emit('message', note.data as In)
    } else if (note.kind === 'event') this.#replay(note.type, note.payload)
  }

  /** A leader's group: adopt its session and what it has numbered; a new leader also gets what it has not. */
  #join(group: Group): void {
    this.#joined = true
    // The same session object: the persistent outbox keeps the one it was given.
    if (group.id !== this.#session.id) this.#session.restore(group.id, group.epoch, group.offset)
    this.#relayedAt = this.#session.position
    this.#leaderTab = group.leader
    this.#journal.learn(group)
    // This tab's messages numbered in notes it missed: their receipts settle when they are done.
    for (const entry of group.numbered) if (entry.tab === this.#tab) this.#handed.numbered(entry.n, entry.seq)
    this.#done(group.done) // a tab back from the cache missed the notes
    for (const { n, data } of this.#handed.unnumbered(this.#journal.mark(this.#tab)))
      this.#post({ kind: 'send', tab: this.#tab, n, data })
    const joining = this.#state !== 'open' && group.state === 'open'
    if (group.error) this.#lastError = decodeEvent('error', group.error) as AuthSocketError // a tab joining a group that failed
    this.#mirror(group.state)
    if (joining) this.#events.emit('authenticated', { user: group.user, expiresAt: group.expiresAt, inBand: false })
  }

  /** A follower replays the leader's event. */
  #replay(type: Relayed, payload: unknown): void {
    if (type === 'state') {
      this.#mirror(payload as ConnectionState)
      return
    }
    if (type === 'resync') this.#session.resync((payload as { epoch: string | undefined }).epoch)
    const decoded = decodeEvent(type, payload)
    if (type === 'error') this.#lastError = decoded as AuthSocketError
    this.#events.emit(type, decoded as AuthSocketEvents<In>[typeof type])
  }

  /** A follower's state follows the leader's; `ready` settles as it would. */
  #mirror(state: ConnectionState): void {
    const previous = this.#state
    if (state === previous || state === 'idle') return
    this.#state = state
    this.#events.emit('state', { state, previous })
    if (state === 'open') this.#settled()
    else if (state === 'failed')
      this.#settled(
        this.#lastError ??
          new AuthSocketError('NOT_CONNECTED', 'The tab holding the shared socket ended failed; see its error event.'),
      )
    else if (state === 'closed')
      this.#settled(new AuthSocketError('NOT_CONNECTED', 'close() was called before the socket authenticated.'))
  }

  #post(note: Note): void {
    this.#channel?.post(note)
  }
}
