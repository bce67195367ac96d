/**
 * Status frames: turning a server frame into an authentication verdict (PROTOCOL.md, section 2).
 * @module
 */

/** What the server said about our credential. */
export interface AuthVerdict {
  /** `true` for a 2xx status: the socket is authenticated. */
  ok: boolean
  /** HTTP-like status (200, 401, 403, ...). */
  status: number
  /** Human-readable reason from the server, if any. */
  detail?: string
  /** The server's public identity for the user, if it sent one. */
  user?: unknown
  /** When the server stops honouring this credential, in ms since the epoch (server clock). */
  expiresAt?: number
  /** The server's clock when it sent the frame, in ms since the epoch. */
  serverTime?: number
  /** The server accepts in-band re-authentication on this socket. */
  reauth?: boolean
  /** The server acknowledges messages (PROTOCOL.md section 7). */
  ack?: boolean
  /**
   * The server numbers its messages and replays what a client missed (PROTOCOL.md section 7), in the stream `epoch`.
   */
  resume?: { epoch?: string }
  /** The server answers heartbeat pings (PROTOCOL.md section 7), with the timing it suggests, if any. */
  heartbeat?: { interval?: number; timeout?: number }
}

/**
 * Recognises a status frame among parsed incoming frames. Return `undefined` for anything
 * that is an application message: it is then delivered to `message` listeners.
 * Must not throw; a thrown error is reported as a `BAD_FRAME` error.
 */
export type StatusParser = (frame: unknown) => AuthVerdict | undefined

type Dict = Record<string, unknown>

const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
/** A server's suggested timing is taken only if sane: at least 1 s, at most an hour. */
const positive = (v: unknown): number | undefined => {
  const n = num(v)
  return n !== undefined && n >= 1000 && n <= 3_600_000 ? n : undefined
}

/**
 * Chanx's `{"action":"authentication","payload":{...}}`, in snake_case or camelCase
 * (`status_code` / `statusCode`, `expires_at` / `expiresAt`, `server_time` / `serverTime`).
 * `expires_at` is in unix seconds, `server_time` in unix milliseconds.
 */
export const chanxStatus: StatusParser = (frame) => {
  if (!isDict(frame) || frame.action !== 'authentication' || !isDict(frame.payload)) return undefined
  const payload = frame.payload
  const status = num(payload.status_code) ?? num(payload.statusCode)
  if (status === undefined) return undefined
  const data = isDict(payload.data) ? payload.data : {}
  const expiresAtS = num(data.expires_at) ?? num(data.expiresAt)
  return {
    ok: status >= 200 && status < 300,
    status,
    detail: str(data.detail) ?? str(payload.status_text) ?? str(payload.statusText),
    user: data.user,
    expiresAt: expiresAtS === undefined ? undefined : expiresAtS * 1000,
    serverTime: num(data.server_time) ?? num(data.serverTime),
    reauth: data.reauth === true,
    ack: data.ack === true || undefined,
    resume: data.resume === true ? {} : isDict(data.resume) ? { epoch: str(data.resume.epoch) } : undefined,
    heartbeat:
      data.heartbeat === true
        ? {}
        : isDict(data.heartbeat)
          ? { interval: positive(data.heartbeat.interval), timeout: positive(data.heartbeat.timeout) }
          : undefined,
  }
}

/**
 * graphql-ws (`graphql-transport-ws`): `connection_ack` confirms. graphql-ws refuses with
 * close 4403 rather than a frame, which the default close classification already treats as
 * forbidden. `graphqlWs()` sets it up with the subprotocol, the handshake and ping/pong.
 */
/**
 * What the client does with a frame that is neither a status frame nor an application message
 * (a protocol's keep-alive, say): `{ reply }` sends `reply` back, `{ deliver }` hands `deliver` to
 * the application instead of the frame (an envelope's content), `{}` only consumes the frame;
 * `undefined` leaves the frame to the status parser and the application. Must not throw; a thrown
 * error drops the frame as `BAD_FRAME`.
 */
export type ControlFrames = (frame: unknown) => { reply?: unknown; deliver?: unknown } | undefined

/**
 * graphql-ws's `ping` is answered with `pong` (its payload echoed); a `pong` is consumed. Neither reaches `message`.
 */
export const graphqlWsControl: ControlFrames = (frame) => {
  if (!isDict(frame)) return undefined
  if (frame.type === 'ping')
    return { reply: frame.payload === undefined ? { type: 'pong' } : { type: 'pong', payload: frame.payload } }
  return frame.type === 'pong' ? {} : undefined
}

export const graphqlWsAck: StatusParser = (frame) => {
  if (!isDict(frame) || frame.type !== 'connection_ack') return undefined
  return { ok: true, status: 200, user: isDict(frame.payload) ? frame.payload.user : undefined }
}
