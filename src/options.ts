/**
 * The options, states and events of an {@link AuthSocket}.
 * @module
 */
import type { Failure, FailureClass } from './close-codes.js'
import type { CredentialProvider, CredentialReason } from './credentials/provider.js'
import type { AuthSocketError } from './errors.js'
import type { StatusParser } from './frames.js'
import type { RetryDelay } from './retry.js'
import type { WebSocketConstructor } from './transport.js'

/**
 * Turns messages into text frames and back. Binary frames bypass it in both directions:
 * `send()` passes `ArrayBuffer`, typed arrays and `Blob`s through, and incoming binary goes
 * to the `binary` event.
 */
export interface Serializer<In, Out> {
  stringify(message: Out): string
  /** Throw to reject a frame: it is reported as a `BAD_FRAME` error, never delivered. */
  parse(text: string): In
}

/** One options object; every option has a default chosen for a browser app talking to Django Channels. */
export interface AuthSocketOptions<In = unknown, Out = unknown> {
  /** How the credential reaches the server: `cookie()`, `queryToken()`, `ticket()`, `firstMessage()`, `subprotocol()` or `header()`. Required. */
  credentials: CredentialProvider
  /**
   * What confirms authentication. `'frame'` (default) waits for a 200 status frame, so a
   * refusal is told apart from a network failure. `'open'` trusts the open socket, for plain
   * Channels apps that reject at the handshake and send no frames.
   */
  confirm?: 'frame' | 'open'
  /** Recognises status frames. Default {@link chanxStatus} (snake_case and camelCase); see also `graphqlWsAck`. */
  statusParser?: StatusParser
  /**
   * Overrides how a failure is classified; return `undefined` to keep the default
   * (PROTOCOL.md, section 3). DRF answers 403 to "not logged in" when SessionAuthentication
   * comes first: `classify: (f) => (f.kind === 'frame' && f.status === 403 ? 'unauthorized' : undefined)`.
   */
  classify?: (failure: Failure) => FailureClass | undefined
  /** Ms to wait for a status frame after open, before giving up on the attempt. Default 10 000. */
  authTimeout?: number
  /** Consecutive authentication failures after which the client stops (`failed`). Default 3: a fresh credential that is refused three times will not be accepted a fourth. */
  maxAuthFailures?: number
  /** Consecutive failed attempts after which the client stops (`failed`). Default `Infinity`: a tab should recover whenever the network does. */
  retryAttempts?: number
  /**
   * Attempts in a row that close before opening after which the client stops (`failed`,
   * `HANDSHAKE_REFUSED`). Default 5 with `confirm: 'open'`, where a refused handshake is how
   * plain Channels says no and browsers hide the HTTP status; `Infinity` with `confirm: 'frame'`,
   * where the server answers refusals with a frame and a bare failure means the network.
   */
  maxHandshakeFailures?: number
  /** Delay before each retry. Default `fullJitter()`: 0 to 1 s, doubling to a 30 s cap, random every time. */
  retryDelay?: RetryDelay
  /** Ms an attempt may take to open before it counts as a network failure. Default 10 000. */
  connectTimeout?: number
  /** Refresh the credential this many ms before it expires (at most a quarter of its remaining life). Default 30 000. */
  refreshMargin?: number
  /** Messages held while not authenticated. Default 1000; beyond it `send()` throws `QUEUE_FULL`. */
  maxQueueSize?: number
  /** Largest incoming frame accepted (UTF-16 code units for text, bytes for binary). Default 1 MiB: a huge frame is reported, not parsed. */
  maxMessageSize?: number
  /** Default: JSON; incoming JSON must be an object or an array. */
  serializer?: Serializer<In, Out>
  /** The WebSocket class. Default `globalThis.WebSocket`; on Node 20 pass `WebSocket` from `ws`. */
  WebSocket?: WebSocketConstructor
  /** Node only: the `Origin` header. Channels' `AllowedHostsOriginValidator` refuses clients without one. */
  origin?: string
  /** Connect from the constructor. Default `true`; `false` waits for `connect()`. */
  autoConnect?: boolean
  /** More query parameter names to redact in events and errors (credential parameters are always redacted). */
  redactParams?: string[]
  /**
   * Receives a line for every event but messages (attempts, opens, verdicts, closes with their
   * classification, refreshes, errors) and every backoff delay, e.g. `debug: console.debug`.
   * Built from the events, so it holds no credential. Default: none.
   */
  debug?: (line: string) => void
}

/**
 * The connection states.
 * - `idle`: constructed with `autoConnect: false`, not started.
 * - `connecting`: first connection: getting a credential, opening the socket.
 * - `authenticating`: the socket is open, waiting for the server's verdict (also during in-band re-authentication).
 * - `open`: authenticated; `send()` goes straight to the wire.
 * - `reconnecting`: after a drop, a refusal that will be retried, or a refresh by reconnect.
 * - `closed`: `close()` was called.
 * - `failed`: stopped for good (forbidden, too many refusals, retries exhausted); `reconnect()` starts over.
 */
export type ConnectionState = 'idle' | 'connecting' | 'authenticating' | 'open' | 'reconnecting' | 'closed' | 'failed'

/** Events and their payloads. No payload ever holds a credential; URLs are redacted. */
export type AuthSocketEvents<In> = {
  /** The state changed. */
  state: { state: ConnectionState; previous: ConnectionState }
  /** An attempt is about to open. */
  connecting: { attempt: number; url: string; reason: CredentialReason; provider: string }
  /** The socket opened; authentication comes next. */
  open: { url: string }
  /** The server accepted the credential. */
  authenticated: { user: unknown; expiresAt: number | undefined; inBand: boolean }
  /** The server refused the credential. */
  unauthenticated: { status: number; detail: string | undefined; willRetry: boolean }
  /** An application message (never a status frame). */
  message: In
  /** A binary frame. Without a listener, binary frames are reported as `UNEXPECTED_BINARY` errors. */
  binary: ArrayBuffer
  /** The socket closed. */
  close: { code: number; reason: string; willRetry: boolean; wasAuthenticated: boolean }
  /** The credential is being refreshed before it expires. */
  refresh: { inBand: boolean; expiresAt: number }
  /** Something went wrong; the client is still alive unless its state says otherwise. */
  error: AuthSocketError
}
