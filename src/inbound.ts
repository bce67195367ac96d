/**
 * What an incoming frame is: a status verdict, an application message, binary data, or
 * something to drop with an error. Pure: it decides, the client acts.
 * @module
 */
import { AuthSocketError, describeCause } from './errors.js'
import type { AuthVerdict, ControlFrames, StatusParser } from './frames.js'

export type Inbound<In> =
  | { kind: 'verdict'; verdict: AuthVerdict }
  | { kind: 'message'; message: In }
  | { kind: 'binary'; data: ArrayBuffer }
  /** A control frame (`control` option): consumed, and `reply` (serialized) sent back if set. */
  | { kind: 'control'; reply?: string }
  | { kind: 'dropped'; error: AuthSocketError }

export interface FrameRules<In> {
  /** UTF-16 code units for text, bytes for binary. */
  readonly maxMessageSize: number
  readonly parse: (text: string) => In
  readonly stringify: (reply: unknown) => string
  readonly statusParser: StatusParser
  readonly control: ControlFrames | undefined
  /** Whether anything listens to `binary`. */
  readonly wantsBinary: () => boolean
  /** The redacted socket URL, for messages. */
  readonly url: string
}

const tooLarge = (what: string, url: string, limit: number) =>
  new AuthSocketError('FRAME_TOO_LARGE', `Dropped a ${what} frame from ${url}: over maxMessageSize (${limit}).`)

/**
 * The error for a status frame nobody asked for, or `undefined` for an unasked 401: that is the
 * server's expiry notice (PROTOCOL.md section 4), and the close that follows decides.
 */
export function unasked(verdict: AuthVerdict, url: string): AuthSocketError | undefined {
  if (verdict.status === 401) return undefined
  return new AuthSocketError(
    'UNEXPECTED_STATUS_FRAME',
    `Ignored an unasked status frame (${verdict.status}) from ${url}: a server relaying client text lets users forge these.`,
  )
}

/** Reads one frame. Never throws: a parser or serializer that throws makes a `dropped` result. */
export function readFrame<In>(data: unknown, rules: FrameRules<In>): Inbound<In> {
  const { maxMessageSize, url } = rules
  if (typeof data !== 'string') {
    const size = data instanceof ArrayBuffer ? data.byteLength : ((data as { size?: number } | null)?.size ?? 0)
    if (size > maxMessageSize) return { kind: 'dropped', error: tooLarge(`${size}-byte binary`, url, maxMessageSize) }
    if (!rules.wantsBinary())
      return {
        kind: 'dropped',
        error: new AuthSocketError(
          'UNEXPECTED_BINARY',
          `Dropped a ${size}-byte binary frame from ${url}: nothing listens to the 'binary' event.`,
        ),
      }
    return { kind: 'binary', data: data as ArrayBuffer }
  }
  if (data.length > maxMessageSize)
    return { kind: 'dropped', error: tooLarge(`${data.length}-character`, url, maxMessageSize) }
  try {
    const message = rules.parse(data)
    const control = rules.control?.(message)
    if (control && 'deliver' in control) return { kind: 'message', message: control.deliver as In }
    if (control)
      return { kind: 'control', reply: control.reply === undefined ? undefined : rules.stringify(control.reply) }
    const verdict = rules.statusParser(message)
    return verdict ? { kind: 'verdict', verdict } : { kind: 'message', message }
  } catch (cause) {
    // The parser's own message may quote the frame, which may hold a secret: name the error only.
    return {
      kind: 'dropped',
      error: new AuthSocketError(
        'BAD_FRAME',
        `Dropped a ${data.length}-character frame from ${url}: parsing threw ${describeCause(cause)}. Non-JSON text needs a serializer.`,
      ),
    }
  }
}
