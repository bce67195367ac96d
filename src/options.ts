/**
 * The options of an {@link AuthSocket}, each with its default, and `resolveOptions()`: the one
 * place where defaults are applied and options checked.
 * @module
 */
import type { Failure, FailureClass } from './close-codes.js'
import type { CredentialProvider } from './credentials/provider.js'
import { OPTION_OWNERS, type Feature, type Installed } from './feature.js'
import { chanxStatus, type ControlFrames, type StatusParser } from './frames.js'
import type { RetryDelay } from './retry.js'
import { jsonSerializer } from './serializer.js'
import type { WebSocketConstructor } from './transport.js'
import { checkNames, invalid, isBrowser, positive } from './validate.js'

/**
 * Turns messages into text frames and back. Binary frames bypass it in both directions:
 * `send()` passes `ArrayBuffer`, typed arrays and `Blob`s through, and incoming binary goes
 * to the `binary` event.
 */
export interface Serializer<In, Out> {
  /** Must return a string; anything else makes `send()` throw `SERIALIZE_FAILED`. */
  stringify(message: Out): string
  /** Throw to reject a frame: it is reported as a `BAD_FRAME` error, never delivered. */
  parse(text: string): In
}

/** One options object; every option has a default chosen for a browser app talking to Django Channels. */
export interface AuthSocketOptions<In = unknown, Out = unknown> {
  /**
   * How the credential reaches the server: `cookie()`, `queryToken()`, `ticket()`, `firstMessage()`, `subprotocol()` or
   * `header()`. Required.
   */
  credentials: CredentialProvider
  /**
   * What confirms authentication. `'frame'` waits for a 200 status frame, so a refusal is told
   * apart from a network failure. `'open'` trusts the open socket, for plain Channels apps that
   * reject at the handshake and send no frames.
   * @default 'frame'
   */
  confirm?: 'frame' | 'open'
  /**
   * Recognises status frames; see also `graphqlWsAck`. A parser that throws drops the frame as `BAD_FRAME`.
   * @default chanxStatus (snake_case and camelCase)
   */
  statusParser?: StatusParser
  /**
   * Frames the client handles itself, never delivered as messages: a protocol's keep-alive
   * (`graphqlWsControl` answers graphql-ws's `ping` with `pong`). See {@link ControlFrames}.
   */
  control?: ControlFrames
  /**
   * The heartbeat: after `interval` ms of silence the client pings, and a connection that then
   * stays silent for `timeout` ms is dead (dropped at once, `HEARTBEAT_TIMEOUT`, reconnected).
   * Any frame counts as life. `true` or timings force it on, `false` off.
   * @default on when the server's 200 frame announces `heartbeat` (with its timings if it gives them; else 25 s and 10
   * s), off otherwise
   */
  heartbeat?: boolean | { interval?: number; timeout?: number }
  /**
   * Acknowledged sends: every text message carries a number, and leaves the outbox only when
   * the server acknowledges it; unacknowledged ones are written again, first and in order, after
   * the next authentication, and the server drops the duplicates. Needs a JSON serializer; binary
   * messages are not acknowledged. `true` forces it on, `false` off.
   * @default on when the server's 200 frame announces `ack: true`, off otherwise
   */
  acks?: boolean
  /**
   * Resume: the server numbers its messages and, after a reconnect, replays what this client
   * missed, so each is delivered once and in order; when it cannot, the client emits `resync`.
   * `true` forces it on, `false` off.
   * @default on when the server's 200 frame announces `resume`, off otherwise
   */
  resume?: boolean
  /**
   * The back/forward cache and frozen pages: on `pagehide` into the cache, or on `freeze`, the
   * client closes its socket cleanly (1000) and keeps its outbox; on `pageshow` out of the
   * cache, or on `resume`, it reconnects at once with a fresh credential. `false` leaves them
   * alone (Chromium then cuts the socket, and the client finds out on return, as from a
   * network failure).
   * @default true
   */
  bfcache?: boolean
  /**
   * One socket for all this origin's tabs that give the same name: the tab holding a Web Lock
   * opens it, the others send and receive through that tab, with the same API and events; when
   * it closes the next tab takes over, and acks with resume make that lose nothing (README,
   * "Many tabs"). Without Web Locks or BroadcastChannel each tab opens its own.
   * @default undefined (each tab opens its own)
   */
  shareSocket?: string
  /**
   * Ms a `send()` receipt's `acked` waits before it rejects with `ACK_TIMEOUT` (the message itself stays in the
   * outbox).
   * @default 30000
   */
  ackTimeout?: number
  /**
   * Subprotocols offered on every attempt (`Sec-WebSocket-Protocol`), before any the provider
   * adds: `['graphql-transport-ws']` for graphql-ws. A server that wants one it is not offered
   * typically closes with 4406.
   * @default []
   */
  protocols?: string[]
  /**
   * Overrides how a failure is classified; return `undefined` to keep the default
   * (PROTOCOL.md, section 3). DRF answers 403 to "not logged in" when SessionAuthentication
   * comes first: `classify: (f) => (f.kind === 'frame' && f.status === 403 ? 'unauthorized' : undefined)`.
   * One that throws is reported (`CALLBACK_FAILED`) and the default is used.
   * @default classifyFailure (the PROTOCOL.md classification)
   */
  classify?: (failure: Failure) => FailureClass | undefined
  /**
   * Ms to wait for a status frame after open. When it passes the attempt counts as a network
   * failure (`AUTH_TIMEOUT`, retried with backoff), not as a refused credential.
   * @default 10000
   */
  authTimeout?: number
  /**
   * Ms the provider may take to get a credential (token source, ticket endpoint). When it
   * passes the ask is aborted and retried with backoff (`CREDENTIAL_FETCH_FAILED`).
   * @default 10000
   */
  credentialTimeout?: number
  /**
   * Consecutive refused credentials after which the client stops (`failed`): a fresh credential
   * refused three times will not be accepted a fourth.
   * @default 3
   */
  maxAuthFailures?: number
  /**
   * Consecutive failed attempts after which the client stops (`failed`): a tab should recover
   * whenever the network does.
   * @default Infinity
   */
  retryAttempts?: number
  /**
   * Attempts in a row that close before opening after which the client stops (`failed`,
   * `HANDSHAKE_REFUSED`). With `confirm: 'open'` a refused handshake is how plain Channels says
   * no and browsers hide the HTTP status; with `confirm: 'frame'` the server answers refusals
   * with a frame and a bare failure means the network.
   * @default 5 with `confirm: 'open'`, else `Infinity`
   */
  maxHandshakeFailures?: number
  /**
   * Delay before retry *n* after network failures. One that throws or answers something other
   * than a non-negative number is reported (`CALLBACK_FAILED`) and the default is used.
   * @default fullJitter(): 0 to 1 s, doubling to a 30 s cap, random every time
   */
  retryDelay?: RetryDelay
  /**
   * Ms an attempt may take to open before it counts as a network failure.
   * @default 10000
   */
  connectTimeout?: number
  /**
   * Refresh the credential this many ms before it expires (at most a quarter of its remaining life).
   * @default 30000
   */
  refreshMargin?: number
  /**
   * Messages held while not authenticated; beyond it `send()` throws `QUEUE_FULL`.
   * @default 1000
   */
  maxQueueSize?: number
  /**
   * Largest incoming frame accepted (UTF-16 code units for text, bytes for binary): a larger
   * one is reported (`FRAME_TOO_LARGE`), not parsed. In Node, `ws` also stops reading a frame
   * over 3x this many bytes (the most UTF-8 a text of this length takes) and closes the socket,
   * so memory stays bounded; the client reconnects.
   * @default 1048576 (1 MiB)
   */
  maxMessageSize?: number
  /**
   * How messages become text frames and back; incoming JSON must be an object or an array.
   * @default JSON
   */
  serializer?: Serializer<In, Out>
  /**
   * The WebSocket class; on Node 20 pass `WebSocket` from `ws`.
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketConstructor
  /** Node only: the `Origin` header. Channels' `AllowedHostsOriginValidator` refuses clients without one. */
  origin?: string
  /**
   * Connect from the constructor; `false` waits for `connect()`.
   * @default true
   */
  autoConnect?: boolean
  /**
   * More query parameter names to redact in events and errors (credential parameters are always redacted).
   * @default []
   */
  redactParams?: string[]
  /**
   * Receives a line for every event but messages (attempts, opens, verdicts, closes,
   * refreshes, errors) and every backoff delay, e.g. `debug: console.debug`. Built from the
   * events, so it holds no credential; a line never throws, whatever the payload.
   */
  debug?: (line: string) => void
}

/** The options of a {@link BaseAuthSocket}: {@link AuthSocketOptions} and the features it has. */
export interface BaseAuthSocketOptions<In = unknown, Out = unknown> extends AuthSocketOptions<In, Out> {
  /**
   * The features this client has: `Heartbeat`, `Delivery` (acknowledged sends and resume),
   * `PageLifecycle`, `SharedSocket`. An option of a feature not given is an `INVALID_OPTIONS` error.
   * @default [] (AuthSocket: all four)
   */
  features?: readonly Feature[]
}

/** The options with every default applied: what the client reads. */
export interface ResolvedOptions<In, Out> {
  readonly provider: CredentialProvider
  readonly WebSocket: WebSocketConstructor
  readonly confirm: 'frame' | 'open'
  readonly statusParser: StatusParser
  readonly control: ControlFrames | undefined
  readonly protocols: readonly string[]
  readonly ackTimeout: number
  /** The features given, installed with their options. */
  readonly features: Installed
  readonly classify: ((failure: Failure) => FailureClass | undefined) | undefined
  readonly authTimeout: number
  readonly credentialTimeout: number
  readonly limits: {
    readonly maxAuthFailures: number
    readonly retryAttempts: number
    readonly maxHandshakeFailures: number
  }
  readonly retryDelay: RetryDelay | undefined
  readonly connectTimeout: number
  readonly refreshMargin: number
  readonly maxQueueSize: number
  readonly maxMessageSize: number
  readonly serializer: Serializer<In, Out>
  readonly origin: string | undefined
  readonly autoConnect: boolean
  readonly redactParams: readonly string[]
  readonly debug: ((line: string) => void) | undefined
}

/** Every option's name: an option not in here is a typo, reported rather than ignored. */
const NAMES = [
  'credentials',
  'confirm',
  'statusParser',
  'control',
  'heartbeat',
  'acks',
  'resume',
  'ackTimeout',
  'bfcache',
  'shareSocket',
  'protocols',
  'classify',
  'authTimeout',
  'credentialTimeout',
  'maxAuthFailures',
  'retryAttempts',
  'maxHandshakeFailures',
  'retryDelay',
  'connectTimeout',
  'refreshMargin',
  'maxQueueSize',
  'maxMessageSize',
  'serializer',
  'WebSocket',
  'origin',
  'autoConnect',
  'redactParams',
  'debug',
  'features',
] as const satisfies readonly (keyof BaseAuthSocketOptions)[]
// Compile-time: NAMES lists every option (an option added to the interface but not here fails the build).
const everyName: Exclude<keyof BaseAuthSocketOptions, (typeof NAMES)[number]> extends never ? true : never = true
void everyName

/**
 * Applies the defaults and checks every option; throws `INVALID_OPTIONS` (or the provider's `UNSUPPORTED_ENVIRONMENT`).
 */
export function resolveOptions<In, Out>(options: BaseAuthSocketOptions<In, Out>): ResolvedOptions<In, Out> {
  if (!options || typeof options !== 'object')
    throw invalid(
      'AuthSocket needs an options object with `credentials`, e.g. { credentials: ticket({ endpoint: "/api/ws-ticket/" }) }.',
    )
  checkNames(options, NAMES)
  const provider = options.credentials
  if (!provider || typeof provider.prepare !== 'function') {
    throw invalid(
      'Option `credentials` must be a credential provider: cookie(), queryToken(), ticket(), firstMessage(), subprotocol() or header().',
    )
  }
  const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
  if (typeof WebSocketClass !== 'function') {
    throw invalid(
      'No WebSocket class: Node 20 has none built in. ' +
        "Pass one: `import WebSocket from 'ws'` then `new AuthSocket(url, { WebSocket, ... })`.",
    )
  }
  const confirm = options.confirm ?? 'frame'
  if (confirm !== 'frame' && confirm !== 'open')
    throw invalid(`Option \`confirm\` must be 'frame' or 'open', got ${String(confirm)}.`)
  const browser = isBrowser()
  if (options.origin !== undefined && browser)
    throw invalid('Option `origin` is Node only: browsers set Origin themselves.')
  for (const name of ['statusParser', 'control', 'classify', 'retryDelay', 'debug'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function')
      throw invalid(`Option \`${name}\` must be a function${name === 'debug' ? ', e.g. console.debug' : ''}.`)
  }
  const serializer = options.serializer ?? (jsonSerializer as Serializer<In, Out>)
  if (typeof serializer.stringify !== 'function' || typeof serializer.parse !== 'function')
    throw invalid('Option `serializer` must have `stringify` and `parse` functions.')
  const protocols = options.protocols ?? []
  if (
    !Array.isArray(protocols) ||
    protocols.some((p) => typeof p !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(p))
  ) {
    throw invalid(
      "Option `protocols` must be an array of subprotocol names (letters, digits and !#$%&'*+-.^_`|~), e.g. ['graphql-transport-ws'].",
    )
  }
  const features = installFeatures(options)
  provider.assertSupported?.({ browser })
  return {
    provider,
    WebSocket: WebSocketClass,
    confirm,
    statusParser: options.statusParser ?? chanxStatus,
    control: options.control,
    protocols,
    ackTimeout: positive('ackTimeout', options.ackTimeout, 30_000),
    features,
    classify: options.classify,
    authTimeout: positive('authTimeout', options.authTimeout, 10_000),
    credentialTimeout: positive('credentialTimeout', options.credentialTimeout, 10_000),
    limits: {
      maxAuthFailures: positive('maxAuthFailures', options.maxAuthFailures, 3),
      retryAttempts: positive('retryAttempts', options.retryAttempts, Infinity, true),
      maxHandshakeFailures: positive(
        'maxHandshakeFailures',
        options.maxHandshakeFailures,
        confirm === 'open' ? 5 : Infinity,
      ),
    },
    retryDelay: options.retryDelay,
    connectTimeout: positive('connectTimeout', options.connectTimeout, 10_000),
    refreshMargin: positive('refreshMargin', options.refreshMargin, 30_000, true),
    maxQueueSize: positive('maxQueueSize', options.maxQueueSize, 1000),
    maxMessageSize: positive('maxMessageSize', options.maxMessageSize, 1 << 20),
    serializer,
    origin: options.origin,
    autoConnect: options.autoConnect !== false,
    redactParams: options.redactParams ?? [],
    debug: options.debug,
  }
}

/** Installs the features given, each resolving its own options; an option of a feature not given is an error. */
function installFeatures(options: BaseAuthSocketOptions<unknown, unknown>): Installed {
  const given = options.features ?? []
  if (!Array.isArray(given) || given.some((feature) => typeof (feature as Partial<Feature>)?.install !== 'function'))
    throw invalid(
      'Option `features` must be an array of features, e.g. [Heartbeat, Delivery] (imported from authsocket).',
    )
  const installed: Record<string, unknown> = {}
  for (const feature of given) installed[feature.name] = feature.install(options)
  for (const [name, owner] of Object.entries(OPTION_OWNERS)) {
    if (options[name as keyof AuthSocketOptions] === undefined || owner in installed) continue
    throw invalid(
      `Option \`${name}\` belongs to the ${owner} feature, which this client was not given: ` +
        `import { ${owner} } from 'authsocket' and add it to \`features\`, or use AuthSocket, which has every feature.`,
    )
  }
  return installed
}
