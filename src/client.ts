/**
 * AuthSocket: the state machine, and the only stateful hub. It asks the credential provider
 * for each attempt, lets the transport open it, turns frames and closes into verdicts, and
 * holds application messages until the socket is authenticated.
 * @module
 */
import mitt, { type Emitter, type Handler } from 'mitt'
import { classifyFailure, type Failure, type FailureClass } from './close-codes.js'
import type { CredentialProvider, CredentialReason, PreparedAttempt } from './credentials/provider.js'
import { AuthRejectedError, AuthSocketError, CredentialRejectedError, describeCause } from './errors.js'
import { jwtExpiry, refreshDelay, watchWake } from './expiry.js'
import { chanxStatus, type AuthVerdict, type StatusParser } from './frames.js'
import type { AuthSocketEvents, AuthSocketOptions, ConnectionState, Serializer } from './options.js'
import { Outbox, type WireData } from './outbox.js'
import { observableKey, toObservable, type MessageObservable } from './observable.js'
import { redactUrl } from './redact.js'
import { isBinary, jsonSerializer, type BinaryData } from './serializer.js'
import { invalid, isBrowser, positive, socketUrl } from './validate.js'
import { fullJitter, type RetryDelay } from './retry.js'
import { Transport, type WebSocketConstructor, type WebSocketLike } from './transport.js'

/** One connection attempt: one socket, from creation to close. */
interface Attempt {
  readonly socket: WebSocketLike
  /** Redacted URL, safe to show. */
  readonly url: string
  token: string | undefined
  opened: boolean
  authenticated: boolean
  awaitingVerdict: boolean
  /** The server accepts in-band re-authentication on this socket. */
  reauth: boolean
  /** HTTP status of a refused upgrade, when the WebSocket implementation says (Node's ws does). */
  handshakeStatus?: number
  /** Set when the outcome is already decided (and counted) before the close arrives. */
  failure?: FailureClass
  /** Closed by us to refresh or reconnect: not a failure. */
  intentional: boolean
  authTimer?: ReturnType<typeof setTimeout>
  closed: Promise<void>
  markClosed(): void
}

const OPEN = 1

/** Waits for `promise`, but no longer than `ms`. */
function settledWithin(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer))
}

/**
 * An authenticated WebSocket that reconnects, refreshes its credential and never loses a
 * message sent before authentication.
 *
 * @typeParam In - messages the server sends.
 * @typeParam Out - messages the client sends.
 */
export class AuthSocket<In = unknown, Out = unknown> {
  readonly #emitter: Emitter<AuthSocketEvents<In>> = mitt<AuthSocketEvents<In>>()
  readonly #baseUrl: string
  readonly #provider: CredentialProvider
  readonly #confirm: 'frame' | 'open'
  readonly #statusParser: StatusParser
  readonly #classifyOption: AuthSocketOptions<In, Out>['classify']
  readonly #authTimeout: number
  readonly #maxAuthFailures: number
  readonly #retryAttempts: number
  readonly #maxHandshakeFailures: number
  readonly #retryDelay: RetryDelay
  readonly #refreshMargin: number
  readonly #maxMessageSize: number
  readonly #serializer: Serializer<In, Out>
  readonly #origin: string | undefined
  readonly #redactParams: string[]
  readonly #debug: ((line: string) => void) | undefined
  readonly #outbox: Outbox
  readonly #transport: Transport

  #currentState: ConnectionState = 'idle'
  #current: Attempt | undefined
  #previousClosed: Promise<void> = Promise.resolve()
  #reason: CredentialReason = 'initial'
  /** Consecutive failed attempts: drives the backoff. */
  #retries = 0
  #authFailures = 0
  /** Consecutive attempts that closed before opening. */
  #handshakeFailures = 0
  #attemptCount = 0
  #run = new AbortController()
  #refreshTimer: ReturnType<typeof setTimeout> | undefined
  #expiresAt: number | undefined
  /** Local clock when the current credential was accepted. */
  #authenticatedAt = 0
  #skew = 0
  #unwatchWake: (() => void) | undefined
  #wakeSleep: (() => void) | undefined
  #readyWaiters: { resolve: () => void; reject: (error: AuthSocketError) => void }[] = []
  #lastError: AuthSocketError | undefined

  /**
   * @param url - `ws://` or `wss://` URL (in a browser, a path such as `/ws/chat/` works too). Put no credential in it: the provider adds it.
   * @param options - see {@link AuthSocketOptions}; only `credentials` is required.
   * @throws AuthSocketError `INVALID_OPTIONS` or `UNSUPPORTED_ENVIRONMENT`, synchronously.
   */
  constructor(url: string, options: AuthSocketOptions<In, Out>) {
    if (!options || typeof options !== 'object') throw invalid('AuthSocket needs an options object with `credentials`, e.g. { credentials: ticket({ endpoint: "/api/ws-ticket" }) }.')
    const provider = options.credentials
    if (!provider || typeof provider.prepare !== 'function') {
      throw invalid('Option `credentials` must be a credential provider: cookie(), queryToken(), ticket(), firstMessage(), subprotocol() or header().')
    }
    const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    if (typeof WebSocketClass !== 'function') {
      throw invalid("No WebSocket class: Node 20 has none built in. Pass one: `import WebSocket from 'ws'` then `new AuthSocket(url, { WebSocket, ... })`.")
    }
    if (options.confirm !== undefined && options.confirm !== 'frame' && options.confirm !== 'open') {
      throw invalid(`Option \`confirm\` must be 'frame' or 'open', got ${String(options.confirm)}.`)
    }
    const browser = isBrowser()
    if (options.origin !== undefined && browser) throw invalid('Option `origin` is Node only: browsers set Origin themselves.')
    provider.assertSupported?.({ browser })

    this.#baseUrl = socketUrl(url)
    this.#provider = provider
    this.#confirm = options.confirm ?? 'frame'
    this.#statusParser = options.statusParser ?? chanxStatus
    this.#classifyOption = options.classify
    this.#authTimeout = positive('authTimeout', options.authTimeout, 10_000)
    this.#maxAuthFailures = positive('maxAuthFailures', options.maxAuthFailures, 3)
    this.#retryAttempts = positive('retryAttempts', options.retryAttempts, Infinity, true)
    this.#maxHandshakeFailures = positive('maxHandshakeFailures', options.maxHandshakeFailures, this.#confirm === 'open' ? 5 : Infinity)
    this.#retryDelay = options.retryDelay ?? fullJitter()
    this.#refreshMargin = positive('refreshMargin', options.refreshMargin, 30_000, true)
    this.#maxMessageSize = positive('maxMessageSize', options.maxMessageSize, 1 << 20)
    this.#serializer = options.serializer ?? (jsonSerializer as Serializer<In, Out>)
    this.#origin = options.origin
    this.#redactParams = options.redactParams ?? []
    if (options.debug !== undefined && typeof options.debug !== 'function') throw invalid('Option `debug` must be a function, e.g. console.debug.')
    this.#debug = options.debug
    this.#outbox = new Outbox(positive('maxQueueSize', options.maxQueueSize, 1000))
    this.#transport = new Transport(
      WebSocketClass,
      {
        nextAttempt: () => this.#nextAttempt(),
        onSocket: (socket, attempt) => this.#onSocket(socket, attempt),
        // The constructor's own message can quote the subprotocols, which may hold the token: name the error only.
        onFatal: (cause) => this.#fail(new AuthSocketError('INVALID_OPTIONS', `The WebSocket constructor threw ${describeCause(cause)}: check the URL and the subprotocol names.`)),
      },
      positive('connectTimeout', options.connectTimeout, 10_000),
    )
    if (options.autoConnect !== false) this.connect()
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.#currentState
  }

  /** The socket URL, credential parameters redacted. */
  get url(): string {
    return redactUrl(this.#baseUrl, this.#redactParams)
  }

  /** Messages waiting for authentication. */
  get queued(): number {
    return this.#outbox.size
  }

  /**
   * Resolves once the socket is authenticated (at once if it is). Rejects with the reason
   * if the client ends `failed`, or with `NOT_CONNECTED` if `close()` is called first.
   */
  get ready(): Promise<void> {
    if (this.#currentState === 'open') return Promise.resolve()
    if (this.#currentState === 'failed') return Promise.reject(this.#lastError)
    if (this.#currentState === 'closed') return Promise.reject(new AuthSocketError('NOT_CONNECTED', 'The socket is closed; call reconnect() first.'))
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }))
  }

  /**
   * Incoming messages as an Observable: `from(socket.messages())` in RxJS (or just `from(socket)`).
   * It errors with the reason if the socket ends `failed`, and completes on `close()`.
   */
  messages(): MessageObservable<In> {
    return toObservable<In>((next, error, complete) => {
      const offs = [
        this.on('message', next),
        this.on('state', ({ state }) => {
          if (state === 'failed') error(this.#lastError)
          else if (state === 'closed') complete()
        }),
      ]
      return () => offs.forEach((off) => off())
    })
  }

  /** Lets RxJS's `from(socket)` (and other Observable libraries) read the messages. */
  [observableKey](): MessageObservable<In> {
    return this.messages()
  }

  /** Listens to an event. Returns a function that removes the listener. */
  on<K extends keyof AuthSocketEvents<In>>(type: K, listener: (payload: AuthSocketEvents<In>[K]) => void): () => void {
    this.#emitter.on(type, listener as Handler<AuthSocketEvents<In>[K]>)
    return () => this.off(type, listener)
  }

  /** Removes a listener added with {@link AuthSocket.on}. */
  off<K extends keyof AuthSocketEvents<In>>(type: K, listener: (payload: AuthSocketEvents<In>[K]) => void): void {
    this.#emitter.off(type, listener as Handler<AuthSocketEvents<In>[K]>)
  }

  /**
   * Sends a message. When the socket is not authenticated yet (or is reconnecting) the
   * message is queued and sent, in order, right after the next authentication.
   * Binary data (`ArrayBuffer`, typed arrays, `Blob`) bypasses the serializer.
   * @throws AuthSocketError `QUEUE_FULL`, `NOT_CONNECTED` (after `close()` or `failed`) or `SERIALIZE_FAILED`.
   */
  send(message: Out | BinaryData): void {
    if (this.#currentState === 'closed' || this.#currentState === 'failed') {
      throw new AuthSocketError(
        'NOT_CONNECTED',
        this.#currentState === 'closed'
          ? 'send() after close(): the message was not sent. Call reconnect() first.'
          : `send() on a failed socket (${this.#lastError?.code ?? 'unknown'}): the message was not sent. Fix the cause, then call reconnect().`,
      )
    }
    let data: WireData
    if (isBinary(message)) data = message
    else {
      try {
        data = this.#serializer.stringify(message as Out)
      } catch (cause) {
        throw new AuthSocketError('SERIALIZE_FAILED', `The message could not be serialized (${describeCause(cause)}).`, { cause })
      }
    }
    const attempt = this.#current
    if (this.#currentState === 'open' && this.#outbox.size === 0 && attempt?.socket.readyState === OPEN) {
      attempt.socket.send(data)
      return
    }
    if (!this.#outbox.push(data)) {
      throw new AuthSocketError(
        'QUEUE_FULL',
        `The send queue is full (${this.#outbox.limit} messages waiting for authentication); this message was not queued. Wait for 'authenticated', or raise maxQueueSize.`,
      )
    }
  }

  /** Starts connecting. Only needed with `autoConnect: false`, or to restart after `close()`/`failed`. */
  connect(): void {
    if (!this.#stopped()) return
    this.#run = new AbortController()
    this.#retries = 0
    this.#authFailures = 0
    this.#handshakeFailures = 0
    this.#lastError = undefined
    this.#setState('connecting')
    this.#unwatchWake = watchWake((cause) => this.#onWake(cause))
    this.#transport.start()
  }

  /**
   * Reconnects now with a fresh credential. From `closed` or `failed` it starts over with
   * fresh counters; while connected it closes the socket and opens a new one, keeping the queue.
   */
  reconnect(): void {
    if (this.#stopped()) {
      this.connect()
      return
    }
    const attempt = this.#current
    if (attempt?.opened) {
      attempt.intentional = true
      this.#reason = 'reconnect'
      this.#setState('reconnecting')
      this.#transport.restart(1000, 'reconnecting')
    } else {
      this.#retries = 0
      this.#wakeSleep?.()
    }
  }

  /** Closes the socket and stops everything: timers, retries and pending credential fetches. Queued messages stay queued for a later `reconnect()`. */
  close(): void {
    if (this.#currentState === 'closed') return
    this.#stopRun()
    this.#setState('closed')
    this.#settleReady(new AuthSocketError('NOT_CONNECTED', 'close() was called before the socket authenticated.'))
  }

  // ---- attempts -------------------------------------------------------------------------

  #stopped(): boolean {
    return this.#currentState === 'closed' || this.#currentState === 'failed' || this.#currentState === 'idle'
  }

  async #nextAttempt(): Promise<PreparedAttempt | undefined> {
    const { signal } = this.#run
    // The previous socket's close must be classified first: it decides the credential reason and the delay.
    await settledWithin(this.#previousClosed, 2000)
    for (;;) {
      if (signal.aborted || this.#stopped()) return undefined
      if (this.#retries > 0) {
        const wait = this.#retryDelay(this.#retries)
        this.#debug?.(`[authsocket] retry ${this.#retries} in ${Math.round(wait)} ms`)
        await this.#sleep(wait, signal)
      }
      if (signal.aborted) return undefined
      const reason = this.#reason
      try {
        const prepared = await this.#provider.prepare({ reason, signal, url: this.#baseUrl, expiresAt: reason === 'expiring' ? this.#expiresAt : undefined })
        if (signal.aborted) return undefined
        if (this.#origin) prepared.headers = { ...prepared.headers, Origin: this.#origin }
        return prepared
      } catch (cause) {
        if (signal.aborted) return undefined
        if (cause instanceof CredentialRejectedError) {
          this.#fail(cause)
          return undefined
        }
        const error =
          cause instanceof AuthSocketError
            ? cause
            : new AuthSocketError('CREDENTIAL_FETCH_FAILED', `The ${this.#provider.kind} provider could not get a credential (${describeCause(cause)}); retrying with backoff.`, { cause })
        this.emit('error', error)
        if (!this.#countRetry(error.code)) return undefined
      }
    }
  }

  /** Counts a failed attempt; returns `false` (after failing the client) once `retryAttempts` is used up. */
  #countRetry(last: string): boolean {
    this.#retries++
    if (this.#retries <= this.#retryAttempts) return true
    this.#fail(new AuthSocketError('RETRIES_EXHAUSTED', `Gave up after ${this.#retries} failed attempts in a row (last: ${last}). Call reconnect() to try again.`))
    return false
  }

  #onSocket(socket: WebSocketLike, prepared: PreparedAttempt): void {
    let markClosed!: () => void
    const closed = new Promise<void>((resolve) => (markClosed = resolve))
    const attempt: Attempt = {
      socket,
      url: this.#redact(prepared),
      token: prepared.token,
      opened: false,
      authenticated: false,
      awaitingVerdict: false,
      reauth: false,
      intentional: false,
      closed,
      markClosed,
    }
    this.#current = attempt
    this.#previousClosed = closed
    this.emit('connecting', { attempt: ++this.#attemptCount, url: attempt.url, reason: this.#reason, provider: this.#provider.kind })
    socket.addEventListener('open', () => this.#onOpen(attempt, prepared.greeting))
    const node = socket as WebSocketLike & { on?(type: 'message', listener: (data: { toString(): string }, isBinary: boolean) => void): void }
    if (typeof node.on === 'function') {
      // Node's ws: its EventEmitter side skips building a MessageEvent for every frame.
      node.on('message', (data, isBinary) => this.#onFrame(attempt, isBinary ? data : data.toString()))
    } else socket.addEventListener('message', (event: MessageEvent) => this.#onFrame(attempt, event.data))
    socket.addEventListener('close', (event: CloseEvent) => this.#onClose(attempt, event.code, event.reason))
    // Browsers give errors no detail and a close always follows; Node's ws names the HTTP status of a refused upgrade.
    socket.addEventListener('error', (event: { message?: unknown }) => {
      const status = /Unexpected server response: (\d{3})/.exec(String(event?.message ?? ''))?.[1]
      if (status) attempt.handshakeStatus = Number(status)
    })
  }

  #onOpen(attempt: Attempt, greeting: string | undefined): void {
    if (attempt !== this.#current || this.#stopped()) return
    attempt.opened = true
    this.#handshakeFailures = 0
    this.#setState('authenticating')
    this.emit('open', { url: attempt.url })
    if (greeting !== undefined) attempt.socket.send(greeting)
    if (this.#confirm === 'open') this.#onVerdict(attempt, { ok: true, status: 200 })
    else this.#awaitVerdict(attempt)
  }

  #awaitVerdict(attempt: Attempt): void {
    attempt.awaitingVerdict = true
    clearTimeout(attempt.authTimer)
    attempt.authTimer = setTimeout(() => {
      if (attempt !== this.#current || !attempt.awaitingVerdict) return
      this.emit(
        'error',
        new AuthSocketError(
          'AUTH_TIMEOUT',
          `No authentication status frame within ${this.#authTimeout} ms from ${attempt.url}. ` +
            "If the server sends none (plain Channels), set confirm: 'open'; if it uses another frame shape, pass a statusParser; if it is just slow, raise authTimeout.",
        ),
      )
      this.#refuse(attempt, 'unauthorized', 4008, 'no authentication status frame in time')
    }, this.#authTimeout)
  }

  #onFrame(attempt: Attempt, data: unknown): void {
    if (!attempt.opened || this.#stopped()) return
    if (typeof data !== 'string') {
      this.#onBinary(attempt, data)
      return
    }
    if (data.length > this.#maxMessageSize) {
      this.emit('error', new AuthSocketError('FRAME_TOO_LARGE', `Dropped a ${data.length}-character frame from ${attempt.url}: over maxMessageSize (${this.#maxMessageSize}). Raise maxMessageSize if the server really sends frames this big.`))
      return
    }
    let message: In
    let verdict: AuthVerdict | undefined
    try {
      message = this.#serializer.parse(data)
      verdict = this.#statusParser(message)
    } catch (cause) {
      // The parser's own message may quote the frame, which may hold a secret: name the error only.
      this.emit('error', new AuthSocketError('BAD_FRAME', `Dropped a ${data.length}-character text frame from ${attempt.url} that could not be parsed (${describeCause(cause)}). If the server sends non-JSON text, pass a serializer.`))
      return
    }
    if (verdict) {
      if (attempt === this.#current && attempt.awaitingVerdict) this.#onVerdict(attempt, verdict)
      else if (verdict.status !== 401) {
        this.emit('error', new AuthSocketError('UNEXPECTED_STATUS_FRAME', `Ignored a status frame (status ${verdict.status}) from ${attempt.url} that the client did not ask for. A server that relays client text can let one user forge these.`))
      }
      // An unasked 401 is the server's expiry notice (PROTOCOL.md section 4): the close that follows decides.
      return
    }
    this.emit('message', message)
  }

  #onBinary(attempt: Attempt, data: unknown): void {
    const size = data instanceof ArrayBuffer ? data.byteLength : (data as { size?: number }).size ?? 0
    if (size > this.#maxMessageSize) {
      this.emit('error', new AuthSocketError('FRAME_TOO_LARGE', `Dropped a ${size}-byte binary frame from ${attempt.url}: over maxMessageSize (${this.#maxMessageSize}).`))
    } else if (!this.#emitter.all.get('binary')?.length) {
      this.emit('error', new AuthSocketError('UNEXPECTED_BINARY', `Dropped a ${size}-byte binary frame from ${attempt.url}: nothing listens to the 'binary' event.`))
    } else {
      this.emit('binary', data as ArrayBuffer)
    }
  }

  #onVerdict(attempt: Attempt, verdict: AuthVerdict): void {
    clearTimeout(attempt.authTimer)
    attempt.awaitingVerdict = false
    if (!verdict.ok) {
      const cls = this.#classify({ kind: 'frame', status: verdict.status, detail: verdict.detail })
      this.#refuse(attempt, cls, verdict.status, verdict.detail)
      return
    }
    const inBand = attempt.authenticated
    attempt.authenticated = true
    attempt.reauth = verdict.reauth === true
    this.#retries = 0
    this.#authFailures = 0
    this.#reason = 'reconnect'
    this.#authenticatedAt = Date.now()
    if (verdict.serverTime !== undefined) this.#skew = verdict.serverTime - this.#authenticatedAt
    this.#expiresAt = verdict.expiresAt ?? jwtExpiry(attempt.token)
    this.#setState('open')
    this.emit('authenticated', { user: verdict.user, expiresAt: this.#expiresAt, inBand })
    if (attempt !== this.#current || this.#currentState !== 'open') return // a listener closed or reconnected
    this.#outbox.drain((data) => attempt.socket.send(data))
    this.#scheduleRefresh(attempt)
    this.#settleReady()
  }

  /** The server (or our auth timer) refused this attempt: count it, then stop or retry with a fresh credential. */
  #refuse(attempt: Attempt, cls: FailureClass, status: number, detail: string | undefined): void {
    attempt.failure = cls
    if (cls === 'unauthorized') this.#authFailures++
    const terminal = this.#isTerminal(cls)
    this.emit('unauthenticated', { status, detail, willRetry: !terminal })
    if (terminal) {
      this.#fail(this.#refusal(cls, status, detail))
      return
    }
    if (cls === 'unauthorized') this.#reason = 'rejected'
    // Real Chanx closes with 1000 after the frame, or not at all: do not wait for it.
    if (attempt.socket.readyState === OPEN) attempt.socket.close(1000, 'authentication refused')
  }

  #isTerminal(cls: FailureClass): boolean {
    return cls === 'forbidden' || (cls === 'unauthorized' && this.#authFailures >= this.#maxAuthFailures)
  }

  #refusal(cls: FailureClass, status: number, detail: string | undefined): AuthSocketError {
    const said = detail ? `: "${detail.slice(0, 200)}"` : ''
    if (cls === 'forbidden') {
      return new AuthRejectedError('FORBIDDEN', `The server forbade this connection (${status})${said}. Not retrying; if it means "not logged in", map it with the classify option.`, status, detail)
    }
    const error = new AuthRejectedError('UNAUTHORIZED', `The server refused ${this.#authFailures} fresh credentials in a row (last ${status})${said}. Stopped; sign in again, then call reconnect().`, status, detail)
    return new AuthSocketError('AUTH_FAILURES_EXHAUSTED', error.message, { cause: error })
  }

  #onClose(attempt: Attempt, code: number, reason: string): void {
    clearTimeout(attempt.authTimer)
    attempt.markClosed()
    if (attempt !== this.#current) return
    this.#current = undefined
    clearTimeout(this.#refreshTimer)
    if (this.#stopped()) return
    const wasAuthenticated = attempt.authenticated
    if (attempt.intentional) {
      this.emit('close', { code, reason, willRetry: true, wasAuthenticated })
      this.#setState('reconnecting')
      return
    }
    let cls = attempt.failure
    if (cls === undefined) {
      cls = this.#classify(
        attempt.handshakeStatus !== undefined && !attempt.opened ? { kind: 'handshake', status: attempt.handshakeStatus } : { kind: 'close', code, reason, opened: attempt.opened },
      )
      if (cls === 'unauthorized') this.#authFailures++
      if (cls !== 'network') this.emit('unauthenticated', { status: code, detail: reason || undefined, willRetry: !this.#isTerminal(cls) })
    }
    const terminal = this.#isTerminal(cls)
    if (!attempt.opened && !terminal) this.#handshakeFailures++
    const handshakesLeft = this.#handshakeFailures < this.#maxHandshakeFailures
    const retriesLeft = this.#retries + 1 <= this.#retryAttempts
    this.emit('close', { code, reason, willRetry: !terminal && handshakesLeft && retriesLeft, wasAuthenticated })
    if (terminal) {
      if (attempt.failure === undefined) this.#fail(this.#refusal(cls, code, reason || undefined))
      return
    }
    if (!handshakesLeft) {
      this.#fail(
        new AuthSocketError(
          'HANDSHAKE_REFUSED',
          `${this.#handshakeFailures} attempts in a row closed before opening (last close ${code}). With confirm: 'open' that is how plain Channels refuses a credential (browsers hide the HTTP status): sign in again, then call reconnect(). If the server may just be down, raise maxHandshakeFailures.`,
        ),
      )
      return
    }
    if (cls === 'unauthorized') this.#reason = 'rejected'
    else if (this.#reason !== 'rejected') this.#reason = 'reconnect'
    if (!this.#countRetry(`close ${code}`)) return
    this.#setState('reconnecting')
  }

  #classify(failure: Failure): FailureClass {
    return this.#classifyOption?.(failure) ?? classifyFailure(failure)
  }

  // ---- staying authenticated -------------------------------------------------------------

  #scheduleRefresh(attempt: Attempt): void {
    clearTimeout(this.#refreshTimer)
    if (this.#expiresAt === undefined) return
    const delay = refreshDelay({ expiresAt: this.#expiresAt, skew: this.#skew, margin: this.#refreshMargin, since: this.#authenticatedAt, now: Date.now() })
    this.#refreshTimer = setTimeout(() => void this.#refresh(attempt), delay)
  }

  #onWake(cause: 'visible' | 'online'): void {
    if (cause === 'online') this.#wakeSleep?.()
    const attempt = this.#current
    if (attempt && this.#currentState === 'open') this.#scheduleRefresh(attempt)
  }

  async #refresh(attempt: Attempt): Promise<void> {
    if (attempt !== this.#current || this.#currentState !== 'open' || this.#expiresAt === undefined) return
    const inBand = attempt.reauth && this.#provider.reauthenticate !== undefined
    this.emit('refresh', { inBand, expiresAt: this.#expiresAt })
    if (attempt !== this.#current || this.#currentState !== 'open') return
    if (!inBand) {
      attempt.intentional = true
      this.#reason = 'expiring'
      this.#setState('reconnecting')
      this.#transport.restart(1000, 'refreshing credential')
      return
    }
    this.#setState('authenticating')
    const { signal } = this.#run
    try {
      const { frame, token } = await this.#provider.reauthenticate!({ reason: 'expiring', signal, url: this.#baseUrl, expiresAt: this.#expiresAt })
      if (attempt !== this.#current || this.#stopped() || attempt.socket.readyState !== OPEN) return
      attempt.token = token
      attempt.socket.send(frame)
      this.#awaitVerdict(attempt)
    } catch (cause) {
      if (signal.aborted || attempt !== this.#current || this.#stopped()) return
      if (cause instanceof CredentialRejectedError) {
        this.#fail(cause)
        return
      }
      this.emit('error', cause instanceof AuthSocketError ? cause : new AuthSocketError('CREDENTIAL_FETCH_FAILED', `Refreshing the credential failed (${describeCause(cause)}); keeping the current one and trying again.`, { cause }))
      this.#setState('open')
      this.#outbox.drain((data) => attempt.socket.send(data))
      clearTimeout(this.#refreshTimer)
      this.#refreshTimer = setTimeout(() => void this.#refresh(attempt), this.#retryDelay(1))
    }
  }

  // ---- plumbing ---------------------------------------------------------------------------

  #fail(error: AuthSocketError): void {
    if (this.#stopped()) return
    this.#lastError = error
    this.#stopRun()
    this.emit('error', error)
    this.#setState('failed')
    this.#settleReady(error)
  }

  #stopRun(): void {
    this.#run.abort()
    clearTimeout(this.#refreshTimer)
    if (this.#current) clearTimeout(this.#current.authTimer)
    this.#current = undefined // its close, when it comes, belongs to no run
    this.#unwatchWake?.()
    this.#unwatchWake = undefined
    this.#transport.stop()
  }

  #setState(next: ConnectionState): void {
    const previous = this.#currentState
    if (previous === next) return
    this.#currentState = next
    this.emit('state', { state: next, previous })
  }

  #settleReady(error?: AuthSocketError): void {
    const waiters = this.#readyWaiters
    this.#readyWaiters = []
    for (const waiter of waiters) {
      if (error) waiter.reject(error)
      else waiter.resolve()
    }
  }

  /** Waits `ms`, or less if the run is aborted or the network comes back. */
  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        if (this.#wakeSleep === done) this.#wakeSleep = undefined
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal.addEventListener('abort', done)
      this.#wakeSleep = done
    })
  }

  #redact(prepared: PreparedAttempt): string {
    return redactUrl(prepared.url, [...this.#redactParams, ...(prepared.secretParams ?? [])])
  }

  /** Calls every listener; one that throws is reported and does not stop the others. */
  private emit<K extends keyof AuthSocketEvents<In>>(type: K, payload: AuthSocketEvents<In>[K]): void {
    if (this.#debug && type !== 'message' && type !== 'binary') {
      this.#debug(`[authsocket] ${String(type)} ${payload instanceof AuthSocketError ? `${payload.code}: ${payload.message}` : JSON.stringify(payload)}`)
    }
    const listeners = this.#emitter.all.get(type)
    if (!listeners?.length) return
    // A copy, so that a listener that removes itself does not skip the next; one listener needs none.
    for (const listener of listeners.length === 1 ? listeners : [...listeners]) {
      try {
        ;(listener as Handler<AuthSocketEvents<In>[K]>)(payload)
      } catch (cause) {
        if (type === 'error') {
          setTimeout(() => {
            throw cause
          })
        } else {
          this.emit('error', new AuthSocketError('LISTENER_FAILED', `A '${String(type)}' listener threw (${describeCause(cause)}); the client carried on.`, { cause }))
        }
      }
    }
  }
}
