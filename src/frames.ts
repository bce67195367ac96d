/**
 * The protocol's frames (docs/PROTOCOL.md), one reader and one writer per frame: the status
 * frames (section 2), the in-band `authenticate` frame (section 4), and the extensions' frames
 * (section 7: heartbeat, acknowledged sends, resume, retry hints). Each feature uses the ones it
 * owns; a bundler keeps only those.
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

export type Dict = Record<string, unknown>

/** A JSON object (not an array, not null). */
export const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v)
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
 * What the client does with a frame that is neither a status frame nor an application message
 * (a protocol's keep-alive, say): `{ reply }` sends `reply` back, `{ deliver }` hands `deliver` to
 * the application instead of the frame (an envelope's content), `{}` only consumes the frame;
 * `undefined` leaves the frame to the status parser and the application. Must not throw; a thrown
 * error drops the frame as `BAD_FRAME`.
 */
export type ControlFrames = (frame: unknown) => Control | undefined

/** What a control frame does: see {@link ControlFrames}. */
export interface Control {
  reply?: unknown
  deliver?: unknown
}

/** PROTOCOL.md section 4: the in-band frame that carries a credential, `{"action":"authenticate","payload":{...}}`. */
export function authenticateFrame(payload: Record<string, string>): string {
  return JSON.stringify({ action: 'authenticate', payload })
}

/** The `action` of a parsed frame, if it has a string one: the client's own frames are told by it. */
export function frameAction(frame: unknown): string | undefined {
  const action = isDict(frame) ? frame.action : undefined
  return typeof action === 'string' ? action : undefined
}

/** Heartbeat: the client's ping, `{"action":"ping"}`. */
export const PING = '{"action":"ping"}'

/** Heartbeat: the answer to a server's ping (serialized by the serializer, as any reply). */
export const PONG = { action: 'pong' }

/**
 * Acknowledged sends and resume: the frame that opens the delivery session `id` on a socket. With
 * `resume` it asks for the numbered messages after `offset` of stream `epoch` (from the start of
 * the stream the server announces, when the client has no epoch yet).
 */
export function sessionFrame(id: string, resume?: { epoch: string | undefined; offset: number }): string {
  if (!resume) return `{"action":"session","id":"${id}"}`
  const at = resume.epoch === undefined ? '' : `,"epoch":${JSON.stringify(resume.epoch)},"offset":${resume.offset}`
  return `{"action":"session","id":"${id}","resume":true${at}}`
}

/** Acknowledged sends: message number `seq`, `data` already serialized (JSON). */
export function numberedFrame(seq: number, data: string): string {
  return `{"action":"message","seq":${seq},"data":${data}}`
}

/** Acknowledged sends: the number an `{"action":"ack","seq":N}` acknowledges up to. */
export function readAck(frame: Dict): number | undefined {
  return typeof frame.seq === 'number' ? frame.seq : undefined
}

/** Resume: a numbered server message, `{"action":"message","offset":N,"epoch"?,"data"}`. */
export function readNumbered(frame: Dict): { epoch: string | undefined; offset: number; data: unknown } | undefined {
  return typeof frame.offset === 'number'
    ? { epoch: str(frame.epoch), offset: frame.offset, data: frame.data }
    : undefined
}

/** Resume: the stream a `{"action":"resync","epoch"?}` starts again. */
export function readResync(frame: Dict): string | undefined {
  return str(frame.epoch)
}
