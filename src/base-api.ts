/**
 * The base client's surface: {@link BaseAuthSocket}, every credential provider, the status
 * parser, the close codes, the errors and the types; no feature. The CDN's base file
 * (cdn-base.ts) is this; client-api.ts adds {@link AuthSocket}, its features, the graphql-ws
 * preset and `sharedAcrossTabs`, and index.ts the opt-in features.
 * @module
 */
export { BaseAuthSocket } from './base.js'
export type { Feature, FeatureName } from './feature.js'
export type { BinaryData } from './serializer.js'
export type { AuthSocketOptions, BaseAuthSocketOptions, Serializer } from './options.js'
export type { AuthSocketEvents } from './events.js'
export type { ConnectionState, StateChange } from './machine.js'
export { CloseCode, classifyFailure, type Failure, type FailureClass } from './close-codes.js'
export { chanxStatus, type AuthVerdict, type Control, type ControlFrames, type StatusParser } from './frames.js'
export { AuthSocketError, AuthRejectedError, CredentialRejectedError, type AuthSocketErrorCode } from './errors.js'
export { fullJitter, type RetryDelay, type FullJitterOptions } from './retry.js'
export { redactUrl } from './redact.js'
export type { WebSocketConstructor, WebSocketLike } from './transport.js'
export type {
  CredentialProvider,
  CredentialContext,
  CredentialReason,
  PreparedAttempt,
  Reauthentication,
} from './credentials/provider.js'
export type { TokenSource, TokenContext, Token } from './credentials/token-source.js'
export { cookie, type CookieOptions } from './credentials/cookie.js'
export { queryToken, type QueryTokenOptions } from './credentials/query.js'
export { firstMessage, type FirstMessageOptions } from './credentials/first-message.js'
export { ticket, type TicketOptions, type Ticket } from './credentials/ticket.js'
export { subprotocol, type SubprotocolOptions } from './credentials/subprotocol.js'
export { header, type HeaderOptions } from './credentials/header.js'
export type { MessageObservable, MessageObserver, Subscription } from './observable.js'
export type { SocketStatus, StatusStore } from './status.js'
export type { Receipt } from './receipt.js'
