/**
 * graphql-ws (the `graphql-transport-ws` protocol), set up in one call: the subprotocol it
 * requires, a fresh token in `connection_init` on every attempt, `connection_ack` as the
 * verdict, and its `ping` answered with `pong`. Spread the result into the options.
 * @module
 */
import { firstMessage } from './credentials/first-message.js'
import type { CredentialProvider } from './credentials/provider.js'
import type { TokenSource } from './credentials/token-source.js'
import { isDict, type ControlFrames, type StatusParser } from './frames.js'

export interface GraphqlWsOptions {
  /** The token for `connection_init`, asked again before every attempt. */
  token: TokenSource
  /**
   * Builds the `connection_init` payload from the token; graphql-ws hands it to the server's
   * `onConnect` as `ctx.connectionParams`.
   * @default (token) => ({ token })
   */
  payload?: (token: string) => Record<string, unknown>
}

/** The options graphql-ws needs: `new AuthSocket(url, { ...graphqlWs({ token }) })`. */
export function graphqlWs(options: GraphqlWsOptions): {
  credentials: CredentialProvider
  protocols: string[]
  statusParser: StatusParser
  control: ControlFrames
} {
  const payload = options.payload ?? ((token: string) => ({ token }))
  return {
    credentials: firstMessage({
      token: options.token,
      frame: (token) => ({ type: 'connection_init', payload: payload(token) }),
    }),
    protocols: ['graphql-transport-ws'],
    statusParser: graphqlWsAck,
    control: graphqlWsControl,
  }
}

/**
 * graphql-ws's `ping` is answered with `pong` (its payload echoed); a `pong` is consumed. Neither reaches `message`.
 */
export const graphqlWsControl: ControlFrames = (frame) => {
  if (!isDict(frame)) return undefined
  if (frame.type === 'ping')
    return { reply: frame.payload === undefined ? { type: 'pong' } : { type: 'pong', payload: frame.payload } }
  return frame.type === 'pong' ? {} : undefined
}

/**
 * graphql-ws (`graphql-transport-ws`): `connection_ack` confirms. graphql-ws refuses with
 * close 4403 rather than a frame, which the default close classification already treats as
 * forbidden. `graphqlWs()` sets it up with the subprotocol, the handshake and ping/pong.
 */
export const graphqlWsAck: StatusParser = (frame) => {
  if (!isDict(frame) || frame.type !== 'connection_ack') return undefined
  return { ok: true, status: 200, user: isDict(frame.payload) ? frame.payload.user : undefined }
}
