/**
 * Close codes and how the client reacts to each (PROTOCOL.md, section 3).
 * @module
 */

/** The close codes authsocket gives meaning to. */
export enum CloseCode {
  /** Closed on purpose. From `close()` it stops the client; from the server it is a drop. */
  Normal = 1000,
  GoingAway = 1001,
  /** No close frame: network loss, or a handshake the server refused (browsers hide the HTTP status). */
  Abnormal = 1006,
  /** Policy violation: treated as forbidden. */
  PolicyViolation = 1008,
  MessageTooBig = 1009,
  InternalError = 1011,
  /** Missing, invalid or expired credential. */
  Unauthorized = 4001,
  /** Authenticated, but not allowed here. */
  Forbidden = 4003,
  /** No authentication arrived in time. */
  AuthTimeout = 4008,
  /** HTTP-flavoured alias of 4001. */
  Unauthorized4401 = 4401,
  /** HTTP-flavoured alias of 4003 (graphql-ws uses it). */
  Forbidden4403 = 4403,
  /** graphql-ws: no `connection_init` in time; treated like 4008. */
  InitTimeout4408 = 4408,
}

/**
 * What the 4xxx codes this client stops on usually mean, for the error it ends with. Any other
 * 4000-4999 code is an application's own "do not come back" and stops too (PROTOCOL.md, section 3).
 */
const MEANINGS: Record<number, string> = {
  4009: "a frame over the server's size limit; the same message would be refused again",
  4400: 'bad request: the server could not make sense of a frame (a protocol mismatch?)',
  4406: 'the server wants a subprotocol it was not offered: see the protocols option',
  4409: 'a subscription with this id already exists (graphql-ws): the application reused an id',
  4429: 'too many initialisation requests (graphql-ws): the handshake was sent twice',
  4499: 'terminated (graphql-ws)',
}

/** A close code's usual meaning, for messages. */
export function closeMeaning(code: number): string {
  return (
    MEANINGS[code] ??
    'an application close code this client does not know: the server ended the connection on purpose; ' +
      'see its documentation, or map the code with classify'
  )
}

/**
 * What a failure means for the next step.
 * - `unauthorized`: get a fresh credential and retry; counts towards `maxAuthFailures`.
 * - `forbidden`: stop at once, state `failed`.
 * - `network`: retry with backoff; the next attempt gets a fresh credential anyway.
 * - `fatal`: the server will not take this connection as configured (a wrong path, say): stop, `failed`.
 */
export type FailureClass = 'unauthorized' | 'forbidden' | 'network' | 'fatal'

/** A failed attempt, as handed to the `classify` option. */
export type Failure =
  | { kind: 'frame'; status: number; detail?: string }
  | { kind: 'close'; code: number; reason: string; opened: boolean }
  /** The upgrade was refused with this HTTP status. Only Node's `ws` reports it; browsers show a bare close 1006. */
  | { kind: 'handshake'; status: number }

/** The default classification. Override single cases with the `classify` option. */
export function classifyFailure(failure: Failure): FailureClass {
  if (failure.kind === 'handshake') {
    // Daphne answers 403 to any refusal before accept(), "not signed in" included: retry with a fresh credential.
    if (failure.status === 401 || failure.status === 403) return 'unauthorized'
    // A wrong path (404), a redirect, a bad request: the same request gets the same answer. 408, 429 and 5xx may pass
    // later.
    return failure.status >= 300 && failure.status < 500 && failure.status !== 408 && failure.status !== 429
      ? 'fatal'
      : 'network'
  }
  if (failure.kind === 'frame') {
    if (failure.status === 403) return 'forbidden'
    if (failure.status === 401) return 'unauthorized'
    return 'network'
  }
  switch (failure.code) {
    case CloseCode.Unauthorized:
    case CloseCode.Unauthorized4401:
    case CloseCode.AuthTimeout:
    case CloseCode.InitTimeout4408:
      return 'unauthorized'
    case CloseCode.Forbidden:
    case CloseCode.Forbidden4403:
    case CloseCode.PolicyViolation:
      return 'forbidden'
    case 4500: // graphql-ws's internal error: the server may recover, like 1011
      return 'network'
    default:
      // 4000-4999 is the application's range: a code this client does not know is a deliberate stop, never a loop.
      return failure.code >= 4000 && failure.code <= 4999 ? 'fatal' : 'network'
  }
}
