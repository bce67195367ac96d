import { authenticateFrame } from '../frames.js'
import type { CredentialProvider } from './provider.js'
import { tokenGetter, type TokenSource } from './token-source.js'

export interface SubprotocolOptions {
  /** The token, asked again before every attempt. */
  token: TokenSource
  /** The application protocol the server must pick. Default `'authsocket.v1'`. */
  protocol?: string
  /** Prefix of the bearer entry. Default `'authsocket.bearer.'`. */
  prefix?: string
}

/** base64url without padding: the only characters a subprotocol token may hold. */
export function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * Carries the token in `Sec-WebSocket-Protocol`, the one handshake header a browser lets
 * you set: `authsocket.v1, authsocket.bearer.<base64url(token)>`. Keeps the token out of
 * URLs and access logs.
 */
export function subprotocol(options: SubprotocolOptions): CredentialProvider {
  const getToken = tokenGetter(options.token)
  const protocol = options.protocol ?? 'authsocket.v1'
  const prefix = options.prefix ?? 'authsocket.bearer.'
  return {
    kind: 'subprotocol',
    settings: `protocol=${protocol} prefix=${prefix}`,
    async prepare(ctx) {
      const { value: token, expiresAt } = await getToken(ctx)
      return { url: ctx.url, protocols: [protocol, prefix + base64url(token)], expiresAt }
    },
    async reauthenticate(ctx) {
      const { value: token, expiresAt } = await getToken(ctx)
      return { frame: authenticateFrame({ token }), expiresAt }
    },
  }
}
