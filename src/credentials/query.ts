import { authenticateFrame } from '../frames.js'
import type { CredentialProvider } from './provider.js'
import { tokenGetter, type TokenSource } from './token-source.js'

export interface QueryTokenOptions {
  /** The token, asked again before every attempt. */
  token: TokenSource
  /** Query parameter name. Default `'token'`, as the Channels `TokenAuthMiddleware` recipes read it. */
  param?: string
}

/** Puts the token in the query string: `wss://host/ws/?token=<t>`. Always shown redacted. */
export function queryToken(options: QueryTokenOptions): CredentialProvider {
  const getToken = tokenGetter(options.token)
  const param = options.param ?? 'token'
  return {
    kind: 'query',
    settings: `param=${param}`,
    async prepare(ctx) {
      const { value: token, expiresAt } = await getToken(ctx)
      const url = new URL(ctx.url)
      url.searchParams.set(param, token)
      return { url: url.toString(), expiresAt, secretParams: [param] }
    },
    async reauthenticate(ctx) {
      const { value: token, expiresAt } = await getToken(ctx)
      return { frame: authenticateFrame({ token }), expiresAt }
    },
  }
}
