/**
 * Records every event and error every AuthSocket emits in this test file, then fails the file
 * if any issued token appears in them. Installed for every unit test file by vite.config.ts.
 */
import { afterAll, expect } from 'vitest'
import { Events } from '../../src/events.js'
import { issuedTokens } from './tokens.js'

const recorded: string[] = []

/** Everything about a value a user could see: fields, messages, causes, stack traces. */
export function exposed(value: unknown, seen = new Set<unknown>(), depth = 0): string {
  if (value === null || typeof value !== 'object') return String(value)
  if (seen.has(value) || depth > 50) return '' // a server's deeply nested user object is not ours to walk to the end
  seen.add(value)
  const parts: string[] = []
  if (value instanceof Error)
    parts.push(value.name, value.message, value.stack ?? '', exposed(value.cause, seen, depth + 1))
  for (const [key, inner] of Object.entries(value)) parts.push(key, exposed(inner, seen, depth + 1))
  return parts.join(' ')
}

/** The tokens from `tokens` that appear in `texts`. */
export function leaks(texts: readonly string[], tokens: Iterable<string>): string[] {
  const found: string[] = []
  for (const token of tokens) if (texts.some((text) => text.includes(token))) found.push(token)
  return found
}

const proto = Events.prototype as unknown as { emit(type: string, payload: unknown): void }
const original = proto.emit
proto.emit = function (this: unknown, type: string, payload: unknown) {
  // Binary frames and application messages are the server's data, not ours to police.
  if (type !== 'message' && type !== 'binary') recorded.push(`${type}: ${exposed(payload)}`)
  original.call(this, type, payload)
}

afterAll(() => {
  expect(leaks(recorded, issuedTokens()), 'tokens found in events or errors').toEqual([])
})

/** Records something a test caught (a thrown error) for the same check. */
export function record(value: unknown): void {
  recorded.push(exposed(value))
}
