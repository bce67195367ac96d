/**
 * The connection lifecycle behind {@link AuthSocket}: it runs attempts, feeds what the
 * transport reports to machine.ts's `decide`, applies the transition, then tells the listeners.
 * Every way out of an attempt, and of the run, goes through `#exit` (docs/ARCHITECTURE.md).
 * It decides nothing itself.
 * @module
 */
import {
  ask,
  authTimedOut,
  backoff,
  credentialFailure,
  heartbeatDead,
  newAttempt,
  readClose,
  takePrepared,
  type Attempt,
  type End,
} from './attempt.js'
import { frameActions, socketRules } from './extensions.js'
import type { Actions, ConnectionParts, Installed } from './feature.js'
import { hintedDelay, retryHintOfClose } from './retry-hint.js'
import { reauthenticate } from './reauth.js'
import { classifyWith, delayWith } from './callbacks.js'
import type { Failure, FailureClass } from './close-codes.js'
import type { CredentialReason } from './credentials/provider.js'
import { AuthSocketError } from './errors.js'
import type { Events } from './events.js'
import type { AuthVerdict } from './frames.js'
import { readFrame, unasked, type FrameRules } from './inbound.js'
import {
  decide,
  isStopped,
  NO_FAILURES,
  transition,
  type ConnectionState,
  type Counters,
  type Decision,
  type StateChange,
} from './machine.js'
import type { ResolvedOptions } from './options.js'
import type { Outbox, WireData } from './outbox.js'
import type { PendingReceipt } from './receipt.js'
import type { Page } from './page.js'
import { Refresher } from './refresh.js'
import type { DeliverySession } from './session.js'
import { Transport, type SocketClosed } from './transport.js'

/**
 * How an attempt ends: a failure (`end`; `closed` is the socket's close when that was the failure,
 * else the client closes it saying `why`, at once with `now`), a restart on purpose with a fresh
 * credential for `restart`, or `close()`.
 */
type Exit =
  | { end: End; closed?: SocketClosed; why: string; now?: boolean }
  | { restart: CredentialReason; why: string }
  | { stop: true }

export class Connection<In, Out> {
  readonly #o: ResolvedOptions<In, Out>
  readonly #baseUrl: string
  readonly #events: Events<In>
  readonly #outbox: Outbox
  readonly #session: DeliverySession | undefined
  readonly #features: Installed
  /** The frames the client reads itself, by action: the base's and the features'. */
  readonly #actions: Actions
  readonly #transport: Transport
  readonly #refresher: Refresher
  readonly #settled: (error?: AuthSocketError) => void
  #state: ConnectionState = 'idle'
  #attempt: Attempt | undefined
  #ids = 0
  #counters: Counters = NO_FAILURES
  /** With the page lifecycle feature: the page this connection waits on and wakes with. */
  readonly #page: Page | undefined
  /** The page's events come through `wake()` from the shared socket, which watches the page once for both. */
  readonly #pageDriven: boolean
  /** With the persistent outbox: the kept messages are back (the first attempt waits for it). */
  readonly #loaded: Promise<void> | undefined
  #unwatchPage: (() => void) | undefined
  lastError: AuthSocketError | undefined // why the client is `failed`

  /** `settled` is called when the client authenticates (no error) or stops (the reason). */
  constructor(o: ResolvedOptions<In, Out>, baseUrl: string, parts: ConnectionParts<In>) {
    this.#o = o
    this.#baseUrl = baseUrl
    this.#events = parts.events
    this.#outbox = parts.outbox
    this.#session = parts.session
    this.#settled = parts.settled
    this.#features = o.features
    this.#page = o.features.PageLifecycle?.page()
    this.#pageDriven = parts.pageDriven === true
    this.#loaded = parts.loaded
    this.#actions = frameActions(o.features, parts)
    this.#refresher = new Refresher(o.refreshMargin, () => this.#renew())
    const reports = {
      open: (id: number) => this.#onOpen(id),
      frame: (id: number, data: unknown) => this.#onFrame(id, data),
      close: (id: number, closed: SocketClosed) => this.#onClose(id, closed),
    }
    // ws counts bytes; a text of n UTF-16 code units is at most 3n bytes of UTF-8.
    this.#transport = new Transport(o.WebSocket, reports, {
      connectTimeout: o.connectTimeout,
      maxPayload: 3 * o.maxMessageSize,
    })
  }

  get state(): ConnectionState {
    return this.#state
  }

  /** Writes `data` now if the socket is authenticated, without acks, and nothing waits before it; else `false`. */
  write(data: WireData): boolean {
    const attempt = this.#attempt
    return (
      this.#state === 'open' &&
      attempt?.acks === false &&
      this.#outbox.size === 0 &&
      this.#transport.send(attempt.id, data)
    )
  }

  queue(data: WireData, receipt?: PendingReceipt): boolean {
    if (!this.#outbox.push(data, receipt)) return false
    this.flush()
    return true
  }

  /** Writes what waits in the outbox, if the socket is authenticated. */
  flush(): void {
    if (this.#attempt && this.#state === 'open') this.#flush(this.#attempt)
  }

  start(): void {
    if (!isStopped(this.#state)) return
    this.#counters = NO_FAILURES
    this.lastError = undefined
    const lifecycle = this.#features.PageLifecycle
    if (this.#page && lifecycle && !this.#pageDriven) {
      this.#unwatchPage = this.#page.watch(
        { wake: () => this.wake(), hide: (why) => this.#restart('reconnect', why), show: () => this.wake() },
        lifecycle.bfcache,
      )
    }
    if (this.#setState('connecting')) this.#begin(this.#ids === 0 ? 'initial' : 'reconnect', 0)
  }

  /** Abandons whatever is in progress and begins a fresh attempt at once, with fresh counters. */
  restart(): void {
    if (isStopped(this.#state)) {
      this.start()
      return
    }
    this.#counters = NO_FAILURES
    this.#exit(this.#attempt, { restart: 'reconnect', why: 'reconnecting' })
  }

  stop(): void {
    if (this.#state !== 'closed') this.#exit(this.#attempt, { stop: true })
  }

  /** Begins the next attempt: after retry number `retry`'s backoff, or after `hinted` ms when the server said when. */
  #begin(reason: CredentialReason, retry: number, hinted?: number): void {
    const attempt = newAttempt(++this.#ids, reason, this.#baseUrl)
    this.#attempt = attempt
    void this.#prepare(attempt, retry, hinted)
  }

  async #prepare(attempt: Attempt, retry: number, hinted: number | undefined): Promise<void> {
    const { signal } = attempt.ended
    const backoffDelay = () =>
      retry > 0 ? delayWith(this.#o.retryDelay, retry, (error) => this.#events.emit('error', error)) : undefined
    const wait = hinted ?? backoffDelay()
    if (wait !== undefined)
      this.#events.line(`retry ${retry} in ${Math.round(wait)} ms${hinted === undefined ? '' : " (the server's hint)"}`)
    const page = this.#page
    const slept = page
      ? await page.turn(attempt, wait, (until) => this.#events.emit('waiting', { until }))
      : wait !== undefined && (await backoff(attempt, wait))
    if (slept) this.#counters = NO_FAILURES // woke from sleep: start the backoff again
    // The session and messages an earlier page kept open the first socket.
    if (this.#loaded) await this.#loaded
    if (signal.aborted) return
    let prepared
    try {
      prepared = await this.#ask(attempt, attempt.reason, (ctx) => this.#o.credentials.prepare(ctx))
    } catch (cause) {
      if (!signal.aborted) this.#end(attempt, credentialFailure(cause, this.#o.credentials.kind))
      return
    }
    if (signal.aborted) return
    prepared = takePrepared(attempt, prepared, this.#o)
    this.#events.emit('connecting', {
      attempt: attempt.id,
      url: attempt.url,
      reason: attempt.reason,
      provider: this.#o.credentials.kind,
    })
    if (this.#attempt === attempt) this.#transport.open(attempt.id, prepared)
  }

  /**
   * The page is back (visible, thawed, online, out of the cache): a waiting attempt goes at once with fresh counters;
   * an open socket is probed.
   */
  wake(): void {
    this.#refresher.recheck()
    const attempt = this.#attempt
    if (!attempt || this.#page?.away) return
    if (!attempt.wake) {
      attempt.heartbeat?.probe()
      return
    }
    this.#counters = NO_FAILURES
    attempt.wake()
  }

  #ask<T>(attempt: Attempt, reason: CredentialReason, call: Parameters<typeof ask<T>>[4]): Promise<T> {
    return ask(
      attempt,
      this.#o.credentialTimeout,
      this.#o.credentials.kind,
      { reason, url: this.#baseUrl, expiresAt: reason === 'expiring' ? this.#refresher.expiresAt : undefined },
      call,
    )
  }

  #onOpen(id: number): void {
    const attempt = this.#attempt
    if (attempt?.id !== id) return
    attempt.opened = true
    attempt.rules = socketRules(attempt, this.#o, this.#actions, this.#events)
    this.#counters = { ...this.#counters, handshakeFailures: 0 }
    this.#setState('authenticating')
    this.#events.emit('open', { url: attempt.url })
    if (this.#attempt !== attempt) return
    if (attempt.greeting !== undefined) this.#transport.send(id, attempt.greeting)
    if (this.#o.confirm === 'open') this.#accept(attempt)
    else this.#awaitVerdict(attempt)
  }

  #awaitVerdict(attempt: Attempt): void {
    attempt.awaiting = true
    attempt.timer = setTimeout(
      () => this.#end(attempt, authTimedOut(this.#o.authTimeout, attempt.url), 'no status frame in time'),
      this.#o.authTimeout,
    )
  }

  #onFrame(id: number, data: unknown): void {
    const attempt = this.#attempt
    if (attempt?.id !== id || !attempt.rules) return
    attempt.heartbeat?.heard()
    // A control frame's answer (a keep-alive pong, say) goes on the socket it came from, ahead of any queue.
    const verdict = this.#events.handOn(readFrame(data, attempt.rules as FrameRules<In>), (reply) =>
      this.#transport.send(id, reply),
    )
    if (!verdict) return
    if (attempt.awaiting) {
      this.#onVerdict(attempt, verdict)
      return
    }
    const error = unasked(verdict, attempt.url)
    if (error) this.#events.emit('error', error)
  }

  #onVerdict(attempt: Attempt, verdict: AuthVerdict): void {
    clearTimeout(attempt.timer)
    attempt.awaiting = false
    if (verdict.ok) {
      this.#accept(attempt, verdict)
      return
    }
    const cls = this.#classify(attempt, { kind: 'frame', status: verdict.status, detail: verdict.detail })
    if (cls)
      this.#end(
        attempt,
        { cls, source: 'frame', status: verdict.status, detail: verdict.detail },
        'authentication refused',
      )
  }

  #accept(attempt: Attempt, verdict?: AuthVerdict): void {
    const inBand = attempt.authenticated
    // What the verdict says holds for this socket: authenticated, and the extensions it announced.
    attempt.authenticated = true
    attempt.reason = 'reconnect'
    attempt.reauth = verdict?.reauth === true
    const delivery = this.#features.Delivery?.agree(verdict)
    if (delivery) {
      attempt.acks = delivery.acks
      attempt.resume = delivery.resume
      attempt.writer = undefined // made again from what this verdict agreed
    }
    this.#counters = NO_FAILURES
    this.#refresher.accept(verdict?.expiresAt ?? attempt.expiresAt, verdict?.serverTime)
    attempt.heartbeat ??= this.#features.Heartbeat?.start(
      verdict?.heartbeat,
      (frame) => this.#transport.send(attempt.id, frame),
      (timeout) => this.#end(attempt, heartbeatDead(timeout, attempt.url), 'no heartbeat', true),
    )
    this.#setState('open')
    this.#events.emit('authenticated', { user: verdict?.user, expiresAt: this.#refresher.expiresAt, inBand })
    if (this.#attempt !== attempt || this.#state !== 'open') return // a listener closed or reconnected
    this.#flush(attempt)
    this.#settled()
  }

  #onClose(id: number, closed: SocketClosed): void {
    const attempt = this.#attempt
    if (attempt?.id !== id) return
    const read = readClose(attempt, closed, this.#o.maxMessageSize)
    if ('end' in read) {
      this.#end(attempt, read.end, closed)
      return
    }
    const { failure, error } = read
    const cls = this.#classify(attempt, failure)
    const status = failure.kind === 'handshake' ? failure.status : failure.code
    if (cls)
      this.#end(attempt, { cls, source: failure.kind, status, detail: closed.reason || undefined, error }, closed)
  }

  /**
   * The one way out of an attempt, and of the run: a failure (`decide` chooses what follows), a
   * restart on purpose (reconnect, refresh by reconnect, the page going into the cache), or
   * `close()`. In that order: the attempt ends (its timers, credential asks and socket), the next
   * state is moved to, the listeners are told, then the next attempt begins. A failure's `closed`
   * is the socket's close (that is the failure) or, when the client closes it, the reason it
   * gives; `close` is then emitted once the socket has closed.
   */
  #exit(attempt: Attempt | undefined, exit: Exit): void {
    const follow = this.#follow(attempt, exit)
    if (!follow) return
    const { next, decision, begin } = follow
    const wasAuthenticated = attempt?.authenticated === true
    const willRetry = begin !== undefined
    const report = ({ code, reason }: SocketClosed) =>
      this.#events.emit('close', { code, reason, willRetry, wasAuthenticated })
    if (attempt && this.#attempt === attempt) {
      const why = 'stop' in exit ? 'closed by client' : 'why' in exit ? exit.why : ''
      this.#finish(attempt, why, 'stop' in exit ? undefined : report, 'end' in exit && exit.now)
    }
    if (decision) this.#counters = decision.counters
    if (decision?.state === 'failed') this.lastError = decision.error
    if (next === 'failed' || next === 'closed') this.#stopRun()
    const change = this.#move(next)
    if (decision?.refusal) this.#events.emit('unauthenticated', decision.refusal)
    if ('end' in exit) {
      if (exit.closed && attempt?.socket) report(exit.closed)
      if (exit.end.error && exit.end.error !== decision?.error) this.#events.emit('error', exit.end.error)
    }
    if (decision?.error) this.#events.emit('error', decision.error)
    if (change) this.#events.emit('state', change)
    if (decision?.state === 'failed') this.#settled(decision.error)
    else if (next === 'closed' && change)
      this.#settled(new AuthSocketError('NOT_CONNECTED', 'close() was called before the socket authenticated.'))
    // A listener may have closed the client, or begun an attempt of its own.
    if (begin && this.#state === next && !this.#attempt) begin()
  }

  /**
   * What follows `exit`, on one screen: the next state, the decision that chose it (a failure),
   * and how the next attempt begins (none after `close()` or a `failed` decision). `undefined`
   * for a failure of an attempt that already ended.
   */
  #follow(
    attempt: Attempt | undefined,
    exit: Exit,
  ): { next: ConnectionState; decision?: Decision; begin?: () => void } | undefined {
    if ('stop' in exit) return { next: 'closed' }
    if ('restart' in exit) {
      const next = this.#state === 'connecting' ? 'connecting' : 'reconnecting'
      return { next, begin: () => this.#begin(exit.restart, 0) }
    }
    if (!attempt || this.#attempt !== attempt) return undefined
    const { url, reason, opened } = attempt
    const decision = decide({ ...exit.end, url, reason, opened }, this.#counters, this.#o)
    if (decision.state === 'failed') return { next: 'failed', decision }
    // Failed in a sleep: go at once; else when the server said, or after the backoff.
    const woke = attempt.heartbeat?.woke === true
    const hint = attempt.retryHint ?? (exit.closed ? retryHintOfClose(exit.closed.reason) : undefined)
    const begin = woke
      ? () => this.#begin(decision.reason, 0)
      : () => this.#begin(decision.reason, decision.backoff, hint && hintedDelay(hint))
    return { next: 'reconnecting', decision, begin }
  }

  /** Ends an attempt on failure: the exit funnel decides what follows. */
  #end(attempt: Attempt, end: End, closed: SocketClosed | string = '', now = false): void {
    this.#exit(attempt, typeof closed === 'string' ? { end, why: closed, now } : { end, closed, why: '' })
  }

  /** Ends the current attempt on purpose and begins the next at once. */
  #restart(reason: CredentialReason, why: string): void {
    this.#exit(this.#attempt, { restart: reason, why })
  }

  /**
   * Stops an attempt's timers, credential asks and socket (closed with 1000 and `why`, at once with `now`; `closed`
   * hears when it has).
   */
  #finish(attempt: Attempt, why: string, closed?: (closed: SocketClosed) => void, now = false): void {
    this.#attempt = undefined
    attempt.ended.abort()
    clearTimeout(attempt.timer)
    attempt.heartbeat?.stop()
    this.#refresher.stop()
    if (attempt.socket) this.#transport.drop(attempt.id, 1000, why, closed, now)
  }

  #flush(attempt: Attempt): void {
    // Made once per verdict, not on every send (with acks on, every send flushes): what the last
    // verdict on the socket agreed (an in-band re-authentication's may differ) holds until the next.
    if (!attempt.writer) {
      const session = this.#session
      const { id, acks, resume } = attempt
      attempt.writer = {
        id,
        acks,
        send: (data) => this.#transport.send(id, data),
        session: session && (acks || resume) ? () => session.openingFrame(resume) : undefined,
      }
    }
    this.#outbox.flush(attempt.writer)
  }

  #renew(): void {
    const attempt = this.#attempt
    const expiresAt = this.#refresher.expiresAt
    if (!attempt || this.#state !== 'open' || expiresAt === undefined) return
    const inBand = attempt.reauth && this.#o.credentials.reauthenticate !== undefined
    this.#events.emit('refresh', { inBand, expiresAt })
    if (this.#attempt !== attempt || this.#state !== 'open') return
    if (!inBand) {
      this.#restart('expiring', 'refreshing credential')
      return
    }
    this.#setState('authenticating')
    void reauthenticate(
      attempt,
      this.#o.credentials.kind,
      () => this.#ask(attempt, 'expiring', (ctx) => this.#o.credentials.reauthenticate!(ctx)),
      {
        current: () => this.#attempt === attempt && this.#state === 'authenticating' && !attempt.awaiting,
        send: (frame) => {
          if (this.#transport.send(attempt.id, frame)) this.#awaitVerdict(attempt)
        },
        refused: (end) => this.#end(attempt, end, 'credential refused'),
        kept: (error) => {
          this.#setState('open')
          this.#events.emit('error', error)
          if (this.#attempt !== attempt || this.#state !== 'open') return
          this.#refresher.failed()
          this.#flush(attempt)
        },
      },
    )
  }

  /** The run ends (`failed` or `closed`): nothing more is attempted until `start()`. */
  #stopRun(): void {
    this.#unwatchPage?.()
    this.#unwatchPage = undefined
    this.#transport.stop()
  }

  /** Moves to `next`, telling no one yet: the caller emits the change once the transition is done. */
  #move(next: ConnectionState): StateChange | undefined {
    const change = transition(this.#state, next)
    if (change) this.#state = next
    return change
  }

  /** {@link Connection.#move}, then the `state` event. Returns whether the state changed. */
  #setState(next: ConnectionState): boolean {
    const change = this.#move(next)
    if (change) this.#events.emit('state', change)
    return change !== undefined
  }

  /** The `classify` option, guarded; `undefined` if a listener of its error report ended the attempt. */
  #classify(attempt: Attempt, failure: Failure): FailureClass | undefined {
    const cls = classifyWith(this.#o.classify, failure, (error) => this.#events.emit('error', error))
    return this.#attempt === attempt ? cls : undefined
  }
}
