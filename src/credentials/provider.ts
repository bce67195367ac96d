/**
 * The contract every credential provider implements. A provider is a small object: a new
 * way of authenticating is one new file and no edit to the client.
 * @module
 */

/** Why a credential is being asked for. Token sources receive it so they can decide to refresh. */
export type CredentialReason =
  /** The first connection. */
  | 'initial'
  /** A reconnect after a drop. */
  | 'reconnect'
  /** The current credential is about to expire. */
  | 'expiring'
  /** The server refused the last credential: do not hand back the same one. */
  | 'rejected'

/** Handed to a provider for each attempt. */
export interface CredentialContext {
  readonly reason: CredentialReason
  /** Aborted when the attempt is abandoned (e.g. `close()`): pass it to `fetch`. */
  readonly signal: AbortSignal
  /** The socket URL as given to `AuthSocket`, without credentials. */
  readonly url: string
  /** With reason `expiring`: when the credential being replaced expires (ms since the epoch), if known. */
  readonly expiresAt?: number
}

/** Everything one connection attempt needs, produced fresh for every attempt. */
export interface PreparedAttempt {
  /** The URL to open, credentials included. Only ever shown redacted. */
  url: string
  /** `Sec-WebSocket-Protocol` values for this attempt. */
  protocols?: string[]
  /** Upgrade request headers (Node `ws` only; browsers cannot set them). */
  headers?: Record<string, string>
  /** A frame sent right after open, before any application message. */
  greeting?: string
  /**
   * When the credential expires (ms since the epoch), if known: a JWT's `exp`. Only this comes back up, never the
   * token.
   */
  expiresAt?: number
  /** Query parameters of `url` that carry a credential, for redaction. */
  secretParams?: string[]
}

/** An in-band re-authentication frame for a socket that is already open. */
export interface Reauthentication {
  frame: string
  /** When the new credential expires (ms since the epoch), if known. */
  expiresAt?: number
}

/** A pluggable way of getting a credential to the server. */
export interface CredentialProvider {
  /** Short name, shown in events (`'ticket'`, `'query'`, ...). */
  readonly kind: string
  /**
   * The provider's configuration as text, without any token or function: `useAuthSocket` keeps
   * its socket while `kind` and `settings` stay the same, even when the provider object is new.
   */
  readonly settings?: string
  /** Produces a fresh attempt. Reject with {@link CredentialRejectedError} to stop for good. */
  prepare(ctx: CredentialContext): Promise<PreparedAttempt>
  /** Builds an `authenticate` frame for in-band re-authentication. Absent: refresh by reconnecting. */
  reauthenticate?(ctx: CredentialContext): Promise<Reauthentication>
  /** Throws an `UNSUPPORTED_ENVIRONMENT` error if it cannot work here. Called by the constructor. */
  assertSupported?(env: { browser: boolean }): void
}
