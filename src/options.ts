/**
 * The options of an {@link AuthSocket}: the base client's, declared here with their defaults and
 * resolved by one rule each (`RULES`), and the features', declared and resolved in each
 * feature's module (heartbeat.ts, delivery.ts, page.ts, shared-socket.ts). The names an option
 * check accepts, the resolved type and the reference's table (test/unit/readme-tables.test.ts) all
 * come from these declarations.
 * @module
 */
import type { Failure, FailureClass } from './close-codes.js'
import type { CredentialProvider } from './credentials/provider.js'
import type { DeliveryOptions } from './delivery.js'
import { OPT_IN, OPTION_OWNERS, type Feature, type Installed } from './feature.js'
import { chanxStatus, type ControlFrames, type StatusParser } from './frames.js'
import type { HeartbeatOptions } from './heartbeat.js'
import type { PageLifecycleOptions } from './page.js'
import type { PersistOptions } from './persist.js'
import type { RetryDelay } from './retry.js'
import { jsonSerializer } from './serializer.js'
import type { SharedSocketOptions } from './shared-socket.js'
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

/**
 * The base client's options, declared here once with their defaults (`@default`), and resolved by
 * {@link resolveOptions} from the rules below; the features declare theirs in their modules.
 */
export interface BaseOptions<In = unknown, Out = unknown> {
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

/** One options object; every option has a default chosen for a browser app talking to Django Channels. */
export interface AuthSocketOptions<In = unknown, Out = unknown>
  extends
    BaseOptions<In, Out>,
    HeartbeatOptions,
    DeliveryOptions,
    PageLifecycleOptions,
    SharedSocketOptions,
    PersistOptions {}

/** The options of a {@link BaseAuthSocket}: {@link AuthSocketOptions} and the features it has. */
export interface BaseAuthSocketOptions<In = unknown, Out = unknown> extends AuthSocketOptions<In, Out> {
  /**
   * The features this client has: `Heartbeat`, `Delivery` (acknowledged sends and resume),
   * `PageLifecycle`, `SharedSocket`, and the opt-in `PersistentOutbox` (needs `Delivery`). An
   * option of a feature not given is an `INVALID_OPTIONS` error. An {@link AuthSocket} has every
   * feature but the opt-in ones, and adds those given here.
   * @default [] (AuthSocket: every feature but the opt-in ones)
   */
  features?: readonly Feature[]
}

type Options = BaseOptions<unknown, unknown>

/**
 * How each base option is checked and defaulted: the one place its default is applied. A rule
 * gets the value given (or `undefined`), the whole options object and the option's name, and
 * throws `INVALID_OPTIONS` saying what to pass instead.
 */
type Rules = { readonly [K in keyof Options]-?: (value: Options[K], options: Options, name: K) => unknown }

const SUBPROTOCOL = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** `value`, if it is a function or undefined. */
function aFunction<T>(value: T, name: string, hint = ''): T {
  if (value !== undefined && typeof value !== 'function') throw invalid(`Option \`${name}\` must be a function${hint}.`)
  return value
}

const aNumber =
  (fallback: number, allowZero = false) =>
  (value: number | undefined, _options: Options, name: string): number =>
    positive(name, value, fallback, allowZero)

const RULES = {
  credentials: (provider) => {
    if (!provider || typeof provider.prepare !== 'function') {
      throw invalid(
        'Option `credentials` must be a credential provider: ' +
          'cookie(), queryToken(), ticket(), firstMessage(), subprotocol() or header().',
      )
    }
    return provider
  },
  confirm: (confirm = 'frame') => {
    if (confirm !== 'frame' && confirm !== 'open')
      throw invalid(`Option \`confirm\` must be 'frame' or 'open', got ${String(confirm)}.`)
    return confirm
  },
  statusParser: (parser = chanxStatus, _options, name) => aFunction(parser, name),
  control: (control, _options, name) => aFunction(control, name),
  ackTimeout: aNumber(30_000),
  protocols: (protocols = []) => {
    if (!Array.isArray(protocols) || protocols.some((p) => typeof p !== 'string' || !SUBPROTOCOL.test(p))) {
      throw invalid(
        'Option `protocols` must be an array of subprotocol names ' +
          "(letters, digits and !#$%&'*+-.^_`|~), e.g. ['graphql-transport-ws'].",
      )
    }
    return protocols as readonly string[]
  },
  classify: (classify, _options, name) => aFunction(classify, name),
  authTimeout: aNumber(10_000),
  credentialTimeout: aNumber(10_000),
  maxAuthFailures: aNumber(3),
  retryAttempts: aNumber(Infinity, true),
  maxHandshakeFailures: (value, options, name) => positive(name, value, options.confirm === 'open' ? 5 : Infinity),
  retryDelay: (delay, _options, name) => aFunction(delay, name),
  connectTimeout: aNumber(10_000),
  refreshMargin: aNumber(30_000, true),
  maxQueueSize: aNumber(1000),
  maxMessageSize: aNumber(1 << 20),
  serializer: (serializer = jsonSerializer) => {
    if (typeof serializer.stringify !== 'function' || typeof serializer.parse !== 'function')
      throw invalid('Option `serializer` must have `stringify` and `parse` functions.')
    return serializer
  },
  WebSocket: (WebSocketClass = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket) => {
    if (typeof WebSocketClass !== 'function') {
      throw invalid(
        'No WebSocket class: Node 20 has none built in. ' +
          "Pass one: `import WebSocket from 'ws'` then `new AuthSocket(url, { WebSocket, ... })`.",
      )
    }
    return WebSocketClass
  },
  origin: (origin) => {
    if (origin !== undefined && isBrowser())
      throw invalid('Option `origin` is Node only: browsers set Origin themselves.')
    return origin
  },
  autoConnect: (autoConnect) => autoConnect !== false,
  redactParams: (names = []) => names as readonly string[],
  debug: (debug, _options, name) => aFunction(debug, name, ', e.g. console.debug'),
} satisfies Rules

/** The options with every default applied: what the client reads. */
export type ResolvedOptions<In, Out> = {
  readonly [K in Exclude<keyof typeof RULES, 'serializer'>]: ReturnType<(typeof RULES)[K]>
} & {
  readonly serializer: Serializer<In, Out>
  /** The features given, installed with their options. */
  readonly features: Installed
}

/** Every option's name (the base's, the features', `features`): any other is a typo, reported, not ignored. */
const NAMES: readonly string[] = [...Object.keys(RULES), ...Object.keys(OPTION_OWNERS), 'features']

/**
 * Applies the defaults and checks every option; throws `INVALID_OPTIONS` (or the provider's `UNSUPPORTED_ENVIRONMENT`).
 */
export function resolveOptions<In, Out>(options: BaseAuthSocketOptions<In, Out>): ResolvedOptions<In, Out> {
  if (!options || typeof options !== 'object')
    throw invalid(
      'AuthSocket needs an options object with `credentials`, e.g. { credentials: ticket({ endpoint: "/api/ws-ticket/" }) }.',
    )
  checkNames(options, NAMES)
  const given = options as Options
  const resolved: Record<string, unknown> = {}
  for (const name of Object.keys(RULES) as (keyof Options)[]) {
    const rule = RULES[name] as (value: unknown, options: Options, name: string) => unknown
    resolved[name] = rule(given[name], given, name)
  }
  resolved.features = installFeatures(options)
  options.credentials.assertSupported?.({ browser: isBrowser() })
  return resolved as ResolvedOptions<In, Out>
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
    const orAuthSocket = OPT_IN.includes(owner)
      ? ' (AuthSocket too: it has every other feature)'
      : ', or use AuthSocket, which has every feature but the opt-in ones'
    throw invalid(
      `Option \`${name}\` belongs to the ${owner} feature, which this client was not given: ` +
        `import { ${owner} } from 'authsocket' and add it to \`features\`${orAuthSocket}.`,
    )
  }
  return installed
}
