/**
 * How messages become frames: JSON by default; binary data passes through untouched.
 * @module
 */
import type { Serializer } from './options.js'

/** Binary data `send()` passes through without serializing. */
export type BinaryData = ArrayBufferLike | ArrayBufferView | Blob

/** JSON both ways; an incoming frame must be a JSON object or array (a bare `42` is a bad frame). */
export const jsonSerializer: Serializer<unknown, unknown> = {
  stringify: (message) => JSON.stringify(message),
  parse(text) {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null)
      throw new TypeError(`expected a JSON object or array, got ${value === null ? 'null' : typeof value}`)
    return value
  },
}

export function isBinary(data: unknown): data is BinaryData {
  return (
    data instanceof ArrayBuffer ||
    ArrayBuffer.isView(data) ||
    (typeof Blob !== 'undefined' && data instanceof Blob) ||
    (typeof SharedArrayBuffer !== 'undefined' && data instanceof SharedArrayBuffer)
  )
}
