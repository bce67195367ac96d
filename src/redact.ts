/**
 * Redaction keeps credentials out of events, errors and logs.
 * @module
 */

/** Query parameters whose values are always hidden, whatever the provider. */
export const CREDENTIAL_PARAMS: readonly string[] = [
  'token',
  'ticket',
  'access_token',
  'jwt',
  'auth',
  'authorization',
  'api_key',
  'apikey',
  'key',
  'password',
  'session',
  'sessionid',
  'sig',
  'signature',
]

const REDACTED = 'REDACTED'

/**
 * Returns `url` with the value of every credential query parameter replaced by `REDACTED`.
 * Also hides userinfo (`wss://user:pass@host`). A string that is not a URL is returned as
 * `[unparseable URL]` rather than risk echoing a secret.
 */
export function redactUrl(url: string, extraParams: readonly string[] = []): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return '[unparseable URL]'
  }
  if (parsed.username || parsed.password) {
    parsed.username = REDACTED
    parsed.password = ''
  }
  const hidden = new Set([...CREDENTIAL_PARAMS, ...extraParams].map((p) => p.toLowerCase()))
  const names = [...new Set(parsed.searchParams.keys())]
  for (const name of names) {
    if (hidden.has(name.toLowerCase())) parsed.searchParams.set(name, REDACTED)
  }
  return parsed.toString()
}
