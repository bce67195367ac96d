import { AuthSocketError } from '../errors.js'
import { authenticateFrame } from '../frames.js'
import type { CredentialProvider } from './provider.js'
import { tokenGetter, type TokenSource } from './token-source.js'

export interface HeaderOptions {
  /** The token, asked again before every attempt. */
  token: TokenSource
  /** Authorization scheme. Default `'Bearer'`; DRF's TokenAuthentication wants `'Token'`. */
  scheme?: string
}

/**
 * Sends `Authorization: <scheme> <token>` on the upgrade request. Node only (the `ws`
 * package): browsers cannot set headers on a WebSocket, so the constructor throws there.
 */
export function header(options: HeaderOptions): CredentialProvider {
  const getToken = tokenGetter(options.token)
  const scheme = options.scheme ?? 'Bearer'
  return {
    kind: 'header',
    settings: `scheme=${scheme}`,
    assertSupported({ browser }) {
      if (browser) {
        throw new AuthSocketError(
          'UNSUPPORTED_ENVIRONMENT',
          'The header() provider needs Node and the ws package: browsers cannot set Authorization on a WebSocket. ' +
            'Use subprotocol() or ticket() in the browser.',
        )
      }
    },
    async prepare(ctx) {
      const { value: token, expiresAt } = await getToken(ctx)
      return { url: ctx.url, headers: { Authorization: `${scheme} ${token}` }, expiresAt }
    },
    async reauthenticate(ctx) {
      const { value: token, expiresAt } = await getToken(ctx)
      return { frame: authenticateFrame({ token }), expiresAt }
    },
  }
}
