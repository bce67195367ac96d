/**
 * Checks on what the user passed to the constructor: each failure is an `INVALID_OPTIONS`
 * error that says what to pass instead, with any URL redacted.
 * @module
 */
import { AuthSocketError } from './errors.js'
import { redactUrl } from './redact.js'

export const isBrowser = (): boolean => typeof window !== 'undefined' && typeof document !== 'undefined'

export function invalid(message: string): AuthSocketError {
  return new AuthSocketError('INVALID_OPTIONS', message)
}

/** `value` if it is a positive (or, with `allowZero`, non-negative) number, `fallback` if undefined. */
export function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!allowZero && value === 0)) {
    throw invalid(`Option \`${name}\` must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}.`)
  }
  return value
}

/** A ws:// or wss:// URL; http(s) becomes ws(s), and in a browser a path resolves against the page. */
export function socketUrl(url: string): string {
  const page = (globalThis as { location?: { href: string } }).location?.href
  let parsed: URL
  try {
    parsed = new URL(url, page)
  } catch {
    throw invalid(`${redactUrl(String(url))} is not a WebSocket URL: pass an absolute ws:// or wss:// URL${page ? ' or a path' : ''}.`)
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:'
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:'
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw invalid(`${redactUrl(parsed.toString())} is not a WebSocket URL: use ws:// or wss://.`)
  }
  return parsed.toString()
}
