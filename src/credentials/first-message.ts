import { authenticateFrame } from '../frames.js'
import type { CredentialProvider } from './provider.js'
import { tokenGetter, type TokenSource } from './token-source.js'

export interface FirstMessageOptions {
  /** The token, asked again before every attempt. */
  token: TokenSource
  /**
   * Builds the first frame from the token. Default: PROTOCOL.md's
   * `{"action":"authenticate","payload":{"token":"<t>"}}`. Servers written from the common Channels tutorials read
   * `(t) => ({ token: t })`; graphql-ws reads `(t) => ({ type: 'connection_init', payload: { token: t } })`.
   */
  frame?: (token: string) => unknown
}

/** Opens unauthenticated, then sends the token as the very first frame, before anything queued. */
export function firstMessage(options: FirstMessageOptions): CredentialProvider {
  const getToken = tokenGetter(options.token)
  const build = options.frame
    ? (token: string) => JSON.stringify(options.frame!(token))
    : (token: string) => authenticateFrame({ token })
  return {
    kind: 'firstMessage',
    settings: `frame=${options.frame ? 'custom' : 'default'}`,
    async prepare(ctx) {
      const { value: token, expiresAt } = await getToken(ctx)
      return { url: ctx.url, greeting: build(token), expiresAt }
    },
    async reauthenticate(ctx) {
      const { value: token, expiresAt } = await getToken(ctx)
      return { frame: build(token), expiresAt }
    },
  }
}
