/**
 * The reference server's WebSocket endpoint (`/ws` and `/ws/rooms/:room`), speaking
 * docs/PROTOCOL.md: every credential provider, Chanx status frames, in-band
 * re-authentication, expiry enforcement, an auth timeout, room permissions and an Origin check.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { redactUrl } from '../../src/redact.js'
import type { AuthStore, Identity } from './auth.js'
import { createDeliveries, type DeliveryClient } from './delivery.js'

export { MAX_SESSIONS, RESUME_BUFFER, RESUME_CHARS } from './delivery.js'

export interface Stats {
  /** Upgrade requests, accepted or not. */
  attempts: number
  /** Upgrade requests per room. */
  attemptsByRoom: Record<string, number>
  authenticated: number
  refused: number
  originRefused: number
  /** Frames that arrived before authentication other than an authenticate frame (must stay 0). */
  preAuthFrames: number
  inBandReauths: number
  /** Sessions told `resync`: the messages they missed could not be replayed. */
  resyncs: number
  /** Numbered messages that arrived again after a reconnect: acknowledged, not delivered twice. */
  duplicates: number
  /** Messages sent again after a reconnect, from a session's buffer (resume). */
  replayed: number
  /**
   * Close codes of authenticated sockets, as the server saw them (1000: a clean close; 1001: the page went away; 1006:
   * none).
   */
  closeCodes: Record<string, number>
  /** Numbered message streams: `{ stream, n }` must arrive 1, 2, 3, ... with no gap or repeat. */
  streams: Record<string, { last: number; received: number; errors: string[] }>
  /** The most sockets open at once since the stats were reset. */
  peakSockets: number
}

/** The most rooms and streams the stats keep apart; past it new ones are not tracked (the totals still count). */
export const MAX_TRACKED = 1000

// Keyed by names clients choose: no prototype, so a stream or room called __proto__ is just a name.
export const emptyStats = (): Stats => ({
  attempts: 0,
  attemptsByRoom: Object.create(null),
  authenticated: 0,
  refused: 0,
  originRefused: 0,
  preAuthFrames: 0,
  inBandReauths: 0,
  resyncs: 0,
  duplicates: 0,
  replayed: 0,
  closeCodes: Object.create(null),
  streams: Object.create(null),
  peakSockets: 0,
})

interface Client extends DeliveryClient {
  room: string
  identity?: Identity
  /** The cookie session behind the socket, if any. */
  sid?: string
  expiryTimer?: ReturnType<typeof setTimeout>
}

export interface Endpoint {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Closes every socket of `user` as expired (401 frame, close 4001). */
  expireUser(user: string): void
  dropAll(): void
  /** Stops reading every socket for `ms` (TCP stays up): a frozen server, which only a heartbeat notices. */
  freeze(ms: number): void
  /** Sends `count` numbered `{"type":"tick","n"}` messages to every session, one each `every` ms, connected or not. */
  stream(count: number, every: number): void
  /** Acknowledges every burst `ms` late, and never within one (0: as usual). */
  slowAcks(ms: number): void
  clients(): number
  /** Delivery sessions kept, and the characters their replay buffers hold. */
  buffered(): { sessions: number; chars: number }
  close(): void
}

const ROOM_PATH = /^\/ws(?:\/rooms\/([a-z0-9_-]{1,40}))?\/?$/

function status(code: number, detail: string, data: Record<string, unknown> = {}): string {
  const text = code === 200 ? 'OK' : code === 401 ? 'Unauthorized' : 'Forbidden'
  return JSON.stringify({
    action: 'authentication',
    payload: { status_code: code, status_text: text, data: { detail, ...data } },
  })
}

/** A request's path and query, or `undefined` for a target no URL parser takes (`http://[`). */
export function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost')
  } catch {
    return undefined
  }
}

function cookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const value = part.slice(eq + 1).trim()
    try {
      out[part.slice(0, eq).trim()] = decodeURIComponent(value)
    } catch {
      out[part.slice(0, eq).trim()] = value // a malformed escape (sid=%) is kept as sent: it matches no session
    }
  }
  return out
}

function bearerFromProtocols(req: IncomingMessage): string | undefined {
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
  const entry = offered.find((p) => p.startsWith('authsocket.bearer.'))
  return entry ? Buffer.from(entry.slice('authsocket.bearer.'.length), 'base64url').toString() : undefined
}

/** The credential an upgrade carries, read once, in the order the server honours them. */
type Presented =
  | { via: 'subprotocol' | 'header' | 'query' | 'ticket'; value: string }
  | { via: 'cookie'; sid?: string; jwt?: string }
  | { via: 'first-message' }

/**
 * The credential an upgrade carries. `?auth=first-message` says the client authenticates with
 * its first frame: cookies the browser attaches anyway are then ignored, so the socket is not
 * authenticated twice.
 */
function presentedCredential(req: IncomingMessage, url: URL): Presented {
  if (url.searchParams.get('auth') === 'first-message') return { via: 'first-message' }
  const fromProtocol = bearerFromProtocols(req)
  if (fromProtocol) return { via: 'subprotocol', value: fromProtocol }
  const fromHeader = req.headers.authorization?.match(/^(?:Bearer|Token) (.+)$/)?.[1]
  if (fromHeader) return { via: 'header', value: fromHeader }
  const query = url.searchParams
  const ticket = query.get('ticket')
  if (ticket) return { via: 'ticket', value: ticket }
  const token = query.get('token')
  if (token) return { via: 'query', value: token }
  const jar = cookies(req)
  if (jar.sid || jar.JWT) return { via: 'cookie', sid: jar.sid, jwt: jar.JWT }
  return { via: 'first-message' }
}

type AppFrame = { type?: unknown; text?: unknown; stream?: unknown; n?: unknown }

export function createEndpoint(options: {
  auth: AuthStore
  allowedOrigins: Set<string>
  stats: () => Stats
  log: (line: string) => void
  maxPayload: number
  authTimeoutMs: number
  accepting: () => boolean
  observe?: (user: string, frame: object) => void
}): Endpoint {
  const { auth, log } = options
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    handleProtocols: (protocols) => (protocols.has('authsocket.v1') ? 'authsocket.v1' : false),
  })
  const clients = new Set<Client>()
  const deliveries = createDeliveries(options.stats)
  const deliver = deliveries.deliver

  function refuse(client: Client, code: 401 | 403, detail: string): void {
    options.stats().refused++
    log(`refused ${client.identity?.user.name ?? 'anonymous'} in ${client.room}: ${code} ${detail}`)
    clearTimeout(client.expiryTimer)
    if (client.ws.readyState !== client.ws.OPEN) return
    client.ws.send(status(code, detail))
    client.ws.close(code === 401 ? 4001 : 4003, detail)
  }

  /** Why `identity` may not hold this socket, if it may not. */
  function problem(client: Client, identity: Identity): string | undefined {
    if (client.identity && client.identity.user !== identity.user) return 'A socket cannot change user'
    if (identity.user.forbiddenRooms.includes(client.room)) return 'You may not join this room'
    return undefined
  }

  /**
   * Checks, then accepts: a ticket is redeemed only when the socket takes it, so one refused here stays good elsewhere.
   */
  function admit(client: Client, identity: Identity | undefined, inBand: boolean, ticket?: string): void {
    if (!identity) return refuse(client, 401, inBand ? 'Invalid credential' : 'Invalid or expired credential')
    const why = problem(client, identity)
    if (why) return refuse(client, 403, why)
    if (ticket !== undefined && !auth.redeemTicket(ticket)) return refuse(client, 401, 'Ticket already used')
    accept(client, identity, inBand)
  }

  function accept(client: Client, identity: Identity, inBand: boolean): void {
    client.identity = identity
    clearTimeout(client.expiryTimer)
    client.expiryTimer = setTimeout(
      () => refuse(client, 401, 'Token expired'),
      Math.max(0, identity.expiresAt - Date.now()),
    )
    const stats = options.stats()
    if (inBand) stats.inBandReauths++
    else stats.authenticated++
    const how = inBand ? 're-authenticated' : 'authenticated'
    const until = new Date(identity.expiresAt).toISOString()
    log(`${how} ${identity.user.name} via ${identity.via} in ${client.room}, until ${until}`)
    client.ws.send(
      status(200, 'OK', {
        user: { name: identity.user.name },
        expires_at: identity.expiresAt / 1000,
        server_time: Date.now(),
        // Cookies cannot be re-sent in band: a cookie socket refreshes by reconnecting.
        reauth: identity.via !== 'cookie',
        // It answers {"action":"ping"} with {"action":"pong"}, acknowledges and numbers messages (PROTOCOL.md section
        // 7).
        ...deliveries.announcement(),
      }),
    )
  }

  async function authenticateFrame(client: Client, payload: unknown): Promise<void> {
    const inBand = client.identity !== undefined
    const { token, ticket } = (typeof payload === 'object' && payload !== null ? payload : {}) as {
      token?: unknown
      ticket?: unknown
    }
    if (typeof ticket === 'string') return admit(client, auth.peekTicket(ticket), inBand, ticket)
    admit(client, typeof token === 'string' ? await auth.verifyToken(token, 'token') : undefined, inBand)
  }

  /** `{"action":"message","seq":N,"data":...}`: delivered to the application once, duplicates only acknowledged. */
  function onNumbered(client: Client, seq: unknown, data: unknown): void {
    if (!client.delivery || typeof seq !== 'number')
      return void client.ws.send(
        JSON.stringify({ type: 'error', detail: 'A numbered message needs a session and a seq' }),
      )
    const fresh = deliveries.numbered(client, seq, data)
    if (fresh && typeof fresh.data === 'object' && fresh.data !== null && !Array.isArray(fresh.data))
      onApplication(client, fresh.data as AppFrame)
  }

  function onMessage(client: Client, text: string): void {
    let frame: AppFrame & { action?: unknown; payload?: unknown; seq?: unknown; data?: unknown; id?: unknown }
    try {
      frame = JSON.parse(text)
    } catch {
      frame = undefined as never
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
      if (client.identity) client.ws.send(JSON.stringify({ type: 'error', detail: 'Frames must be JSON objects' }))
      return
    }
    if (frame.action === 'authenticate') return void authenticateFrame(client, frame.payload)
    if (frame.action === 'ping' && client.identity) return void client.ws.send('{"action":"pong"}')
    if (!client.identity) {
      options.stats().preAuthFrames++
      return
    }
    if (frame.action === 'session')
      return deliveries.open(
        client,
        client.identity.user.name,
        frame.id,
        frame as { epoch?: unknown; offset?: unknown; resume?: unknown },
      )
    if (frame.action === 'message') return onNumbered(client, frame.seq, frame.data)
    onApplication(client, frame)
  }

  /** What the application does with a message: count numbered streams, echo, broadcast chat to the room. */
  function onApplication(client: Client, frame: AppFrame): void {
    if (!client.identity) return
    options.observe?.(client.identity.user.name, frame)
    if (typeof frame.stream === 'string' && typeof frame.n === 'number') {
      const streams = options.stats().streams
      let stream = streams[frame.stream]
      if (!stream && Object.keys(streams).length < MAX_TRACKED)
        stream = streams[frame.stream] = { last: 0, received: 0, errors: [] }
      if (stream) {
        if (frame.n !== stream.last + 1 && stream.errors.length < 100)
          stream.errors.push(`expected ${stream.last + 1}, got ${frame.n}`)
        stream.last = Math.max(stream.last, frame.n)
        stream.received++
      }
    }
    deliver(client.delivery, client, { type: 'echo', data: frame })
    if (frame.type === 'chat' && typeof frame.text === 'string') {
      const out = { type: 'chat', room: client.room, user: client.identity.user.name, text: frame.text.slice(0, 2000) }
      for (const other of clients)
        if (other !== client && other.room === client.room && other.identity) deliver(other.delivery, other, out)
    }
  }

  async function onConnection(client: Client, credential: Presented): Promise<void> {
    let identity: Identity | undefined
    if (credential.via === 'ticket') return admit(client, auth.peekTicket(credential.value), false, credential.value)
    if (credential.via === 'cookie') {
      identity = credential.sid ? auth.verifySession(credential.sid) : await auth.verifyToken(credential.jwt!, 'cookie')
      if (identity) identity.via = 'cookie'
      client.sid = credential.sid
    } else if (credential.via !== 'first-message') {
      identity = await auth.verifyToken(credential.value, credential.via)
    } else {
      // First-message mode: only an authenticate frame counts, and it must come in time.
      const timer = setTimeout(() => {
        if (client.identity || client.ws.readyState !== client.ws.OPEN) return
        options.stats().refused++
        log(`no authentication within ${options.authTimeoutMs} ms in ${client.room}`)
        client.ws.close(4008, 'Authentication timeout')
      }, options.authTimeoutMs)
      client.ws.once('close', () => clearTimeout(timer))
      return
    }
    admit(client, identity, false)
  }

  return {
    handleUpgrade(req, socket, head) {
      socket.on('error', () => undefined) // a peer that resets mid-handshake
      const url = requestUrl(req)
      if (!url) return void socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
      const match = ROOM_PATH.exec(url.pathname)
      if (!match) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n')
        return
      }
      const room = match[1] ?? 'lobby'
      const stats = options.stats()
      stats.attempts++
      if (room in stats.attemptsByRoom || Object.keys(stats.attemptsByRoom).length < MAX_TRACKED)
        stats.attemptsByRoom[room] = (stats.attemptsByRoom[room] ?? 0) + 1
      if (!options.accepting()) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n')
        return
      }
      const origin = req.headers.origin
      const credential = presentedCredential(req, url)
      const cookieOnly = credential.via === 'cookie'
      // Cross-site WebSocket hijacking: a foreign page's upgrade carries the victim's cookies.
      const originProblem =
        origin !== undefined && !options.allowedOrigins.has(origin)
          ? `Origin ${origin} is not allowed`
          : origin === undefined && cookieOnly
            ? 'Cookie authentication needs an Origin header'
            : undefined
      wss.handleUpgrade(req, socket, head, (ws) => {
        const client: Client = { ws, room }
        ws.on('error', () => undefined)
        if (originProblem) {
          stats.originRefused++
          log(`refused an upgrade to ${redactUrl(`http://server${req.url ?? '/'}`)}: ${originProblem}`)
          ws.send(status(403, originProblem))
          ws.close(4003, 'Origin not allowed')
          return
        }
        clients.add(client)
        stats.peakSockets = Math.max(stats.peakSockets, clients.size)
        ws.on('close', (code) => {
          // Codes are 1000-4999 (or 1005/1006 for none): a bounded set of keys.
          if (client.identity) stats.closeCodes[code] = (stats.closeCodes[code] ?? 0) + 1
          clients.delete(client)
          clearTimeout(client.expiryTimer)
        })
        ws.on('message', (data, isBinary) => {
          if (isBinary) {
            if (client.identity) ws.send(data, { binary: true })
            return
          }
          onMessage(client, data.toString())
        })
        void onConnection(client, credential)
      })
    },
    expireUser(user) {
      for (const client of clients) if (client.identity?.user.name === user) refuse(client, 401, 'Token expired')
    },
    dropAll() {
      for (const client of clients) client.ws.terminate()
    },
    stream: deliveries.stream,
    slowAcks: deliveries.slowAcks,
    freeze(ms) {
      for (const client of clients) {
        // ws's own pause: a bare socket.pause() can be undone by ws when its parser drains.
        client.ws.pause()
        setTimeout(() => client.ws.resume(), ms)
      }
    },
    clients: () => clients.size,
    buffered: deliveries.buffered,
    close() {
      for (const client of clients) client.ws.terminate()
      wss.close()
    },
  }
}
