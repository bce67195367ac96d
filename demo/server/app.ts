/**
 * The reference server: HTTP routes (login, refresh, cookie sessions, tickets), the
 * WebSocket endpoint, the built demo page, and (test mode only) hooks for the browser tests.
 */
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, resolve } from 'node:path'
import { AuthStore, type User } from './auth.js'
import { createEndpoint, emptyStats, requestUrl, type Stats } from './ws.js'

export interface DemoServerOptions {
  /** 0 picks a free port. */
  port: number
  host?: string
  /** Access token and session lifetime, seconds. */
  tokenTtl?: number
  /** JWT signing secret. Default: random per boot. */
  jwtSecret?: string
  /** Exposes /test/* hooks and lets /api/login pick a token lifetime. Never in production. */
  testMode?: boolean
  /** Origins allowed besides the server's own. */
  extraOrigins?: string[]
  /** `[urlPrefix, folder]` pairs served as static files, first match wins. */
  staticDirs?: [string, string][]
  log?: (line: string) => void
  /** Sees every application message, as the application gets it (once, in order, with acks on): for benches. */
  observe?: (user: string, frame: object) => void
}

export interface DemoServer {
  url: string
  port: number
  auth: AuthStore
  stats(): Stats
  /** Delivery sessions kept, and the characters their replay buffers hold. */
  buffered(): { sessions: number; chars: number }
  close(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
    .end(JSON.stringify(body))
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > 16_384) throw new Error('body too large')
    chunks.push(chunk as Buffer)
  }
  if (!size) return {}
  const value: unknown = JSON.parse(Buffer.concat(chunks).toString())
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
}

function cookieHeader(name: string, value: string, maxAge: number): string {
  return `${name}=${encodeURIComponent(value)}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${maxAge}`
}

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const auth = new AuthStore(options.tokenTtl ?? 300, options.jwtSecret)
  const log = options.log ?? ((line: string) => console.log(`[authsocket-demo] ${line}`))
  const testMode = options.testMode ?? false
  let stats = emptyStats()
  let accepting = true
  const allowedOrigins = new Set<string>(options.extraOrigins ?? [])
  const endpoint = createEndpoint({
    auth,
    allowedOrigins,
    stats: () => stats,
    log,
    maxPayload: 64 * 1024,
    authTimeoutMs: 5000,
    accepting: () => accepting,
    observe: options.observe,
  })

  async function tokens(user: User, ttl?: number) {
    const { token, expiresAt } = await auth.issueToken(user, ttl)
    return { token, refreshToken: auth.issueRefreshToken(user), expiresAt, user: { name: user.name } }
  }

  const sessionOf = (req: IncomingMessage) => /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]

  async function api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const body = req.method === 'POST' ? await readJson(req) : {}
    switch (`${req.method} ${path}`) {
      case 'POST /api/login': {
        const user = auth.login(body.username, body.password)
        if (!user) return json(res, 401, { detail: 'Wrong username or password' })
        const ttl = testMode && typeof body.ttl === 'number' ? body.ttl : undefined
        return json(res, 200, await tokens(user, ttl))
      }
      case 'POST /api/refresh': {
        const user = auth.useRefreshToken(body.refreshToken)
        if (!user) return json(res, 401, { detail: 'Refresh token invalid or used' })
        const ttl = testMode && typeof body.ttl === 'number' ? body.ttl : undefined
        return json(res, 200, await tokens(user, ttl))
      }
      case 'POST /api/session': {
        const user = auth.login(body.username, body.password)
        if (!user) return json(res, 401, { detail: 'Wrong username or password' })
        const ttl = testMode && typeof body.ttl === 'number' ? body.ttl : undefined
        if (body.kind === 'jwt') {
          const { token, expiresAt } = await auth.issueToken(user, ttl)
          const cookie = cookieHeader('JWT', token, ttl ?? auth.tokenTtl)
          return json(res, 200, { user: { name: user.name }, expiresAt }, { 'set-cookie': cookie })
        }
        const sid = auth.createSession(user, ttl)
        return json(res, 200, { user: { name: user.name } }, { 'set-cookie': cookieHeader('sid', sid, 86_400) })
      }
      case 'POST /api/session/refresh': {
        const identity = auth.verifySession(sessionOf(req))
        if (!identity) return json(res, 401, { detail: 'No session' })
        auth.touchSession(sessionOf(req)!)
        return json(res, 200, { user: { name: identity.user.name } })
      }
      case 'POST /api/logout': {
        auth.endSession(sessionOf(req))
        return json(res, 200, { ok: true }, { 'set-cookie': [cookieHeader('sid', '', 0), cookieHeader('JWT', '', 0)] })
      }
      case 'POST /api/ws-ticket': {
        const bearer = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1]
        const identity = bearer ? await auth.verifyToken(bearer, 'ticket') : auth.verifySession(sessionOf(req))
        if (!identity) return json(res, 401, { detail: 'Sign in first' })
        return json(res, 200, auth.issueTicket(identity.user, identity.expiresAt))
      }
    }
    if (testMode) {
      switch (`${req.method} ${path}`) {
        case 'POST /test/expire': {
          const name = String(body.username ?? '')
          if (!auth.revoke(name)) return json(res, 404, { detail: 'No such user' })
          endpoint.expireUser(name)
          return json(res, 200, { ok: true })
        }
        case 'POST /test/drop':
          endpoint.dropAll()
          return json(res, 200, { ok: true })
        case 'POST /test/stream':
          endpoint.stream(Math.min(10_000, Number(body.count) || 100), Math.max(1, Number(body.every) || 10))
          return json(res, 200, { ok: true })
        case 'POST /test/slow-acks':
          endpoint.slowAcks(Math.min(60_000, Math.max(0, Number(body.ms) || 0)))
          return json(res, 200, { ok: true })
        case 'POST /test/freeze':
          endpoint.freeze(Math.min(60_000, Number(body.ms) || 5000))
          return json(res, 200, { ok: true })
        case 'POST /test/pause':
          accepting = false
          return json(res, 200, { ok: true })
        case 'POST /test/resume':
          accepting = true
          return json(res, 200, { ok: true })
        case 'POST /test/reset':
          stats = emptyStats()
          endpoint.slowAcks(0)
          auth.ticketsIssued = 0
          accepting = true
          return json(res, 200, { ok: true })
        case 'GET /test/stats':
          return json(res, 200, { ...stats, ticketsIssued: auth.ticketsIssued, openSockets: endpoint.clients() })
      }
    }
    json(res, 404, { detail: 'Not found' })
  }

  const mounts = (options.staticDirs ?? []).map(([prefix, dir]) => [prefix, resolve(dir)] as const)
  function serveStatic(res: ServerResponse, path: string): void {
    for (const [prefix, root] of mounts) {
      if (!path.startsWith(prefix)) continue
      const rest = path.slice(prefix.length - 1)
      const file = join(root, normalize(rest === '/' || rest.endsWith('/') ? `${rest}index.html` : rest))
      if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) continue
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
      })
      createReadStream(file).pipe(res)
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found')
  }

  const server: Server = createServer((req, res) => {
    const url = requestUrl(req)
    if (!url) return json(res, 400, { detail: 'Bad request target' })
    // `/api/ws-ticket/` as Django spells it, too: the README's paths fit both servers.
    const path =
      url.pathname.startsWith('/api/') && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname
    if (path === '/health') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
    if (path.startsWith('/api/') || path.startsWith('/test/')) {
      api(req, res, path).catch(() => json(res, 400, { detail: 'Bad request: send a JSON object under 16 KB' }))
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { detail: 'Method not allowed' })
    serveStatic(res, path)
  })
  server.on('upgrade', (req, socket, head) => endpoint.handleUpgrade(req, socket, head))

  await new Promise<void>((done) => server.listen(options.port, options.host ?? '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  for (const host of ['127.0.0.1', 'localhost']) allowedOrigins.add(`http://${host}:${port}`)
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    auth,
    stats: () => stats,
    buffered: () => endpoint.buffered(),
    close: () =>
      new Promise<void>((done) => {
        endpoint.close()
        server.close(() => done())
        server.closeAllConnections()
      }),
  }
}
