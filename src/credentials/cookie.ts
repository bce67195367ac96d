import { AuthSocketError } from '../errors.js'
import type { CredentialContext, CredentialProvider } from './provider.js'
import { tokenGetter, type TokenSource } from './token-source.js'

export interface CookieOptions {
  /**
   * Runs before every attempt, e.g. a `fetch('/api/refresh', { method: 'POST' })` that renews
   * the session cookie. Throw a `CredentialRejectedError` to stop.
   */
  beforeConnect?: (ctx: CredentialContext) => void | Promise<void>
  /**
   * Node only: the `Cookie` header value (`'sessionid=...'`), since Node has no cookie jar.
   * Browsers attach cookies themselves; passing this in a browser throws.
   */
  cookie?: TokenSource
}

/**
 * Session or JWT cookie: nothing on the wire from us, the browser attaches the cookie to the
 * upgrade. The server must check `Origin` in this mode (cross-site WebSocket hijacking).
 */
export function cookie(options: CookieOptions = {}): CredentialProvider {
  const getCookie = options.cookie === undefined ? undefined : tokenGetter(options.cookie)
  return {
    kind: 'cookie',
    settings: `cookie=${getCookie ? 'yes' : 'no'}`,
    assertSupported({ browser }) {
      if (browser && getCookie) {
        throw new AuthSocketError(
          'UNSUPPORTED_ENVIRONMENT',
          "cookie({ cookie }) sets a Cookie header, which only Node can do; in a browser omit it and the browser sends the site's cookies.",
        )
      }
    },
    async prepare(ctx) {
      await options.beforeConnect?.(ctx)
      if (!getCookie) return { url: ctx.url }
      return { url: ctx.url, headers: { Cookie: (await getCookie(ctx)).value } }
    },
  }
}
