import { AuthRejectedError, AuthSocketError, describeCause, safeCause } from '../errors.js'
import { redactUrl } from '../redact.js'
import { authenticateFrame } from '../frames.js'
import type { CredentialContext, CredentialProvider } from './provider.js'
import { tokenGetter, type TokenSource } from './token-source.js'

/** A ticket as the endpoint returns it. */
export interface Ticket {
  ticket: string
  /** Unix seconds after which the server refuses it. */
  expires?: number
}

export interface TicketOptions {
  /** The ticket endpoint. A relative path resolves against the page, or (in Node) the socket's origin. */
  endpoint: string
  /**
   * Token for the endpoint, sent as `Authorization: <scheme> <token>`. Omit to authenticate the endpoint with cookies
   * instead.
   */
  token?: TokenSource
  /**
   * The `Authorization` scheme for `token`; DRF's TokenAuthentication wants `'Token'`.
   * @default 'Bearer'
   */
  scheme?: string
  /** HTTP method. Default `'POST'`: tickets are minted, not read. */
  method?: string
  /** `fetch`'s credentials mode. Default `'include'`, so a session cookie can authorize the endpoint. */
  credentials?: RequestCredentials
  /** Query parameter the ticket goes in. Default `'ticket'`. */
  param?: string
  /** Reads the ticket from the endpoint's JSON. Default: `{ ticket, expires }`. */
  parse?: (body: unknown) => Ticket
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch
  /**
   * More request headers for every fetch: Django's CSRF token when the endpoint is authenticated
   * by the session cookie, `headers: () => ({ 'X-CSRFToken': readCookie('csrftoken') })`. A
   * function is called before each fetch. With `token`, an `Authorization` here is ignored.
   */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>)
}

function defaultParse(body: unknown): Ticket {
  const ticket = (body as { ticket?: unknown } | null)?.ticket
  if (typeof ticket !== 'string' || !ticket) {
    throw new AuthSocketError(
      'CREDENTIAL_FETCH_FAILED',
      'The ticket endpoint answered without a "ticket" string; pass `parse` if it uses another shape.',
    )
  }
  return { ticket, expires: (body as { expires?: number }).expires }
}

function endpointUrl(endpoint: string, socketUrl: string): string {
  const page = (globalThis as { location?: { href: string } }).location?.href
  const socketOrigin = socketUrl.replace(/^ws/, 'http')
  return new URL(endpoint, page ?? socketOrigin).toString()
}

/**
 * Fetches a fresh single-use ticket over HTTP before every attempt and sends it as
 * `?ticket=<t>`. A ticket is never reused. A 401 or 403 from the endpoint counts as a refused
 * credential: the token source is asked again with reason `rejected`, and the socket fails
 * after `maxAuthFailures` refusals in a row. Other failures are retried with backoff.
 */
export function ticket(options: TicketOptions): CredentialProvider {
  if (!options || typeof options.endpoint !== 'string' || !options.endpoint) {
    throw new AuthSocketError(
      'INVALID_OPTIONS',
      "ticket() needs an `endpoint`, e.g. ticket({ endpoint: '/api/ws-ticket/' }).",
    )
  }
  const getToken = options.token === undefined ? undefined : tokenGetter(options.token)
  const param = options.param ?? 'ticket'
  const scheme = options.scheme ?? 'Bearer'
  const parse = options.parse ?? defaultParse

  async function extraHeaders(): Promise<Record<string, string>> {
    const extra = options.headers
    if (extra === undefined) return {}
    let given: Record<string, string>
    try {
      given = typeof extra === 'function' ? await extra() : extra
    } catch (cause) {
      const message = `ticket()'s \`headers\` threw (${describeCause(cause)}); will retry.`
      throw new AuthSocketError('CREDENTIAL_FETCH_FAILED', message, { cause: safeCause(cause) })
    }
    const kept: Record<string, string> = {}
    for (const [name, value] of Object.entries(given ?? {})) {
      if (getToken && name.toLowerCase() === 'authorization') continue
      kept[name] = value
    }
    return kept
  }

  async function fetchTicket(ctx: CredentialContext): Promise<string> {
    const doFetch = options.fetch ?? globalThis.fetch
    const url = endpointUrl(options.endpoint, ctx.url)
    const headers: Record<string, string> = { Accept: 'application/json', ...(await extraHeaders()) }
    if (getToken) headers.Authorization = `${scheme} ${(await getToken(ctx)).value}`
    let response: Response
    try {
      response = await doFetch(url, {
        method: options.method ?? 'POST',
        headers,
        credentials: options.credentials ?? 'include',
        signal: ctx.signal,
      })
    } catch (cause) {
      if (ctx.signal.aborted) throw cause
      throw new AuthSocketError(
        'CREDENTIAL_FETCH_FAILED',
        `Could not reach the ticket endpoint ${redactUrl(url)} (${describeCause(cause)}); will retry.`,
        { cause: safeCause(cause) },
      )
    }
    if (response.status === 401 || response.status === 403) {
      // Most often the access token expired: the client asks the token source again (reason 'rejected') before giving
      // up.
      throw new AuthRejectedError(
        'UNAUTHORIZED',
        `The ticket endpoint ${redactUrl(url)} answered ${response.status}: it refused the ${getToken ? 'token' : 'cookies'} it was sent.`,
        response.status,
      )
    }
    if (!response.ok) {
      throw new AuthSocketError(
        'CREDENTIAL_FETCH_FAILED',
        `The ticket endpoint ${redactUrl(url)} answered ${response.status}; will retry.`,
      )
    }
    let body: unknown
    try {
      body = await response.json()
    } catch {
      throw new AuthSocketError('CREDENTIAL_FETCH_FAILED', `The ticket endpoint ${redactUrl(url)} did not answer JSON.`)
    }
    return parse(body).ticket
  }

  return {
    kind: 'ticket',
    settings: [
      `endpoint=${options.endpoint}`,
      `method=${options.method ?? 'POST'}`,
      `credentials=${options.credentials ?? 'include'}`,
      `param=${param}`,
      `scheme=${scheme}`,
      `token=${getToken ? 'yes' : 'no'}`,
      `headers=${options.headers ? 'yes' : 'no'}`,
    ].join(' '),
    async prepare(ctx) {
      const value = await fetchTicket(ctx)
      const url = new URL(ctx.url)
      url.searchParams.set(param, value)
      return { url: url.toString(), secretParams: [param] }
    },
    async reauthenticate(ctx) {
      return { frame: authenticateFrame({ ticket: await fetchTicket(ctx) }) }
    },
  }
}
