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
    throw invalid(
      `Option \`${name}\` must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}.`,
    )
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
    throw invalid(
      `${redactUrl(String(url))} is not a WebSocket URL: pass an absolute ws:// or wss:// URL${page ? ' or a path' : ''}.`,
    )
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:'
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:'
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw invalid(`${redactUrl(parsed.toString())} is not a WebSocket URL: use ws:// or wss://.`)
  }
  return parsed.toString()
}

/** Edit distance, to name the option a typo meant. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      )
    row = next
  }
  return row[b.length]!
}

/** Throws `INVALID_OPTIONS` for a key of `options` not in `names`, naming the closest known one. */
export function checkNames(options: object, names: readonly string[]): void {
  for (const name of Object.keys(options)) {
    if (names.includes(name)) continue
    const closest = names.reduce((best, known) => (distance(name, known) < distance(name, best) ? known : best))
    const hint = distance(name, closest) <= Math.max(2, closest.length / 3) ? ` Did you mean \`${closest}\`?` : ''
    throw invalid(
      `Unknown option \`${name.slice(0, 40)}\`.${hint} The options are listed in docs/reference.md and in AuthSocketOptions.`,
    )
  }
}
