/**
 * Every error authsocket raises or emits is an {@link AuthSocketError} with a stable `code`.
 * Messages say what happened and what to do; they never contain a credential, and every URL
 * in them is redacted.
 * @module
 */

/** Stable machine-readable error codes. Switch on these, not on messages. */
export type AuthSocketErrorCode =
  /** The options passed to the constructor are invalid. Thrown synchronously. */
  | 'INVALID_OPTIONS'
  /** This environment cannot do what was asked (e.g. the `header` provider in a browser). */
  | 'UNSUPPORTED_ENVIRONMENT'
  /**
   * Getting a credential failed for a transient reason (network, 5xx, a throwing token source). Retried with backoff.
   */
  | 'CREDENTIAL_FETCH_FAILED'
  /**
   * The credential endpoint refused us (HTTP 401/403), or a token source threw a {@link CredentialRejectedError}.
   * Terminal.
   */
  | 'CREDENTIAL_REJECTED'
  /**
   * The server refused the credential (401 frame or 4001/4401 close). Retried with a fresh credential up to
   * `maxAuthFailures`.
   */
  | 'UNAUTHORIZED'
  /** The server forbade access (403 frame or 4003/4403/1008 close). Terminal. */
  | 'FORBIDDEN'
  /** No authentication status frame arrived within `authTimeout`. */
  | 'AUTH_TIMEOUT'
  /** Too many consecutive authentication failures; the client stopped. */
  | 'AUTH_FAILURES_EXHAUSTED'
  /** `maxHandshakeFailures` attempts in a row closed before opening; the client stopped. */
  | 'HANDSHAKE_REFUSED'
  /**
   * A `send()` receipt's `acked` waited `ackTimeout` for the acknowledgement; the message itself stays in the outbox.
   */
  | 'ACK_TIMEOUT'
  /**
   * The heartbeat found the connection dead: nothing arrived within its timeout after a ping. The socket was dropped;
   * the client reconnects.
   */
  | 'HEARTBEAT_TIMEOUT'
  /**
   * The server closed with a code that means "do not come back" (4400, 4406, 4409, 4429, 4499, or a 4xxx this client
   * does not know); the client stopped.
   */
  | 'FATAL_CLOSE'
  /** `retryAttempts` consecutive connection attempts failed; the client stopped. */
  | 'RETRIES_EXHAUSTED'
  /** `send()` would exceed `maxQueueSize`. The message was not queued. */
  | 'QUEUE_FULL'
  /** `send()` was called on a client that is `closed` or `failed`. */
  | 'NOT_CONNECTED'
  /** An outgoing message could not be serialized. */
  | 'SERIALIZE_FAILED'
  /** An incoming frame could not be parsed (malformed JSON, or rejected by a custom serializer). */
  | 'BAD_FRAME'
  /** An incoming frame was larger than `maxMessageSize`. It was not parsed. */
  | 'FRAME_TOO_LARGE'
  /** A binary frame arrived and nothing listens to the `binary` event. */
  | 'UNEXPECTED_BINARY'
  /** A status frame arrived that the client did not ask for (e.g. a 200 after authentication). It was ignored. */
  | 'UNEXPECTED_STATUS_FRAME'
  /** A listener you registered threw. Reported here so the client's own state stays consistent. */
  | 'LISTENER_FAILED'
  /**
   * An option callback (`classify`, `retryDelay`, `debug`) threw or answered something unusable; the default was used
   * instead.
   */
  | 'CALLBACK_FAILED'
  /**
   * The persistent outbox cannot keep messages (no IndexedDB or Web Locks, storage full or refused, or a server that
   * does not acknowledge): it says so once, and the client goes on in memory.
   */
  | 'PERSIST_FAILED'

/** Base class of all authsocket errors. */
export class AuthSocketError extends Error {
  override readonly name: string = 'AuthSocketError'
  constructor(
    /** Stable machine-readable code. */
    readonly code: AuthSocketErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * The credential was refused for good: stop, do not retry. Throw it from a token source to
 * say "the user is logged out" and move the socket to `failed`.
 */
export class CredentialRejectedError extends AuthSocketError {
  override readonly name = 'CredentialRejectedError'
  constructor(
    message: string,
    /** HTTP status of the credential endpoint, when there was one. */
    readonly status?: number,
  ) {
    super('CREDENTIAL_REJECTED', message)
  }
}

/** The server's verdict on a credential was negative (401- or 403-class). */
export class AuthRejectedError extends AuthSocketError {
  override readonly name = 'AuthRejectedError'
  constructor(
    code: 'UNAUTHORIZED' | 'FORBIDDEN',
    message: string,
    /** Status from the status frame, or the close code when there was no frame. */
    readonly status: number,
    /** The server's `detail`, if it gave one. */
    readonly detail?: string,
  ) {
    super(code, message)
  }
}

/** A system error code such as `ECONNREFUSED`: safe to show, unlike a message. */
function systemCode(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? code : undefined
}

/**
 * Describes an unknown thrown value without risking a credential in it: its name and system code, never its message.
 */
export function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return typeof cause
  const code = systemCode(cause) ?? systemCode(cause.cause)
  return code ? `${cause.name} ${code}` : cause.name
}

/**
 * What may be attached as an error's `cause`: a new `Error` that names the original (and its
 * system code) but carries none of its message, stack or own `cause`, any of which may quote
 * a token (a header value, a URL, a user's own error text).
 */
export function safeCause(cause: unknown): Error {
  if (cause instanceof AuthSocketError) return cause
  const safe = new Error(describeCause(cause))
  safe.name = cause instanceof Error ? cause.name : 'Error'
  safe.stack = `${safe.name}: ${safe.message}`
  return safe
}
