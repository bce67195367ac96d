/**
 * The reference server (demo/server) survives any input and keeps its memory bounded
 * (issue 10). Each test speaks raw TCP or raw WebSocket to a server started in-process, so an
 * exception inside it fails the run as an unhandled error.
 */
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startDemoServer, type DemoServer } from '../../demo/server/app.js'
import { AuthStore, LIMITS } from '../../demo/server/auth.js'
import { MAX_SESSIONS, MAX_TRACKED, RESUME_CHARS } from '../../demo/server/ws.js'
import { AuthSocket, firstMessage, type AuthSocketErrorCode } from '../../src/index.js'
import { delay, until } from '../helpers/events.js'
import { closeAfterTest } from '../helpers/fixture.js'
import { track } from '../helpers/tokens.js'

const start = async () => closeAfterTest(await startDemoServer({ port: 0, testMode: true, log: () => undefined }))

/**
 * Writes `bytes` to the server over raw TCP and resolves with whatever it answers before it closes, or within 150 ms.
 */
function raw(server: DemoServer, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1')
    let answer = ''
    const done = () => {
      socket.destroy()
      return resolve(answer)
    }
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')))
    socket.on('error', () => undefined)
    socket.on('close', done)
    socket.write(bytes)
    setTimeout(done, 150)
  })
}

const alive = async (server: DemoServer) => expect((await fetch(`${server.url}/health`)).status).toBe(200)
const upgrade = (target: string, headers = '') =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: ` +
  `websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ` +
  `dGhlIHNhbXBsZSBub25jZQ==\r\n${headers}\r\n`

async function login(server: DemoServer, username = 'alice') {
  const body = (await (
    await fetch(`${server.url}/api/login`, { method: 'POST', body: JSON.stringify({ username, password: username }) })
  ).json()) as { token: string; refreshToken: string }
  track(body.token)
  track(body.refreshToken)
  return body
}

async function signedInSocket(server: DemoServer): Promise<WebSocket> {
  const { token } = await login(server)
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?token=${token}`, { origin: server.url })
  await new Promise((resolve) => ws.once('message', resolve))
  return ws
}

describe('the reference server does not fall over', () => {
  it('an upgrade with Cookie: sid=% (a malformed percent-escape)', async () => {
    const server = await start()
    expect(await raw(server, upgrade('/ws', 'Cookie: sid=%\r\nOrigin: http://127.0.0.1\r\n'))).toMatch(/^HTTP\/1.1 101/)
    await alive(server)
  })

  it('a request target http://[ on an upgrade and on plain HTTP', async () => {
    const server = await start()
    expect(await raw(server, upgrade('http://['))).toMatch(/^HTTP\/1.1 400/)
    expect(await raw(server, 'GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')).toMatch(/^HTTP\/1.1 400/)
    await alive(server)
  })

  it('the text frame null (and other JSON that is not an object) from a signed-in user', async () => {
    const server = await start()
    const ws = closeAfterTest(await signedInSocket(server))
    for (const frame of [
      'null',
      '42',
      '"text"',
      '[1,2]',
      'true',
      '{"stream":null}',
      '{"stream":"s","n":"1"}',
      '{"action":null}',
    ])
      ws.send(frame)
    ws.send(JSON.stringify({ type: 'chat', text: 'still here' }))
    const echoed = await new Promise<string>((resolve) =>
      ws.on('message', (data) => String(data).includes('still here') && resolve(String(data))),
    )
    expect(JSON.parse(echoed)).toMatchObject({ type: 'echo' })
    await alive(server)
  })

  it('fuzz: random bytes, malformed upgrades and odd frames keep it alive', async () => {
    const server = await start()
    let seed = 42
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => random(256)))
    const targets = [
      '/ws',
      '/ws/rooms/x',
      '/ws/rooms/__proto__',
      '/ws?token=',
      '/ws?ticket=%',
      '/ws/rooms/%zz',
      '//',
      '*',
      'http://[::1',
      '/ws?auth=first-message',
    ]
    const headers = [
      'Cookie: sid=%E0%A4%A\r\n',
      'Cookie: ;;==;\r\n',
      'Sec-WebSocket-Protocol: authsocket.bearer.%%%\r\n',
      'Authorization: Bearer\r\n',
      'Origin: null\r\n',
      'Sec-WebSocket-Version: 99\r\n',
    ]
    for (let i = 0; i < 30; i++) {
      await Promise.all([
        raw(server, bytes(1 + random(400))),
        raw(server, upgrade(targets[random(targets.length)]!, headers[random(headers.length)]!)),
        raw(
          server,
          `POST /api/${['login', 'refresh', 'session', 'ws-ticket', 'x'][random(5)]} ` +
            `HTTP/1.1\r\nHost: h\r\nContent-Length: 20\r\n\r\n${bytes(20).toString('latin1')}`,
        ),
      ])
    }
    const ws = closeAfterTest(await signedInSocket(server))
    const frames = [
      '',
      '{',
      '{"stream":"__proto__","n":1}',
      '{"stream":"constructor","n":1}',
      '{"action":"authenticate","payload":{"ticket":5}}',
      '{"action":"authenticate","payload":{"token":{}}}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      '{"type":"chat","text":{"a":1}}',
      '{"__proto__":{"x":1}}',
    ]
    for (const frame of frames) ws.send(frame)
    for (let i = 0; i < 20; i++) ws.send(bytes(1 + random(100)), { binary: random(2) === 0 })
    await delay(100)
    await alive(server)
    expect(({} as Record<string, unknown>).last).toBeUndefined() // no prototype was polluted
  })
})

describe('its memory is bounded', () => {
  it('tickets, refresh tokens and sessions: at most LIMITS of each, oldest dropped first', async () => {
    const auth = new AuthStore(60)
    const alice = auth.users.get('alice')!
    for (let i = 0; i < LIMITS.tickets + 50; i++) auth.issueTicket(alice, Date.now() + 60_000)
    for (let i = 0; i < LIMITS.refreshTokens + 50; i++) auth.issueRefreshToken(alice)
    for (let i = 0; i < LIMITS.sessions + 50; i++) auth.createSession(alice)
    expect(auth.sizes()).toEqual({
      tickets: LIMITS.tickets,
      refreshTokens: LIMITS.refreshTokens,
      sessions: LIMITS.sessions,
    })
  })

  it('expired tickets and sessions are swept, not kept until the cap', async () => {
    const auth = new AuthStore(0.05)
    const alice = auth.users.get('alice')!
    auth.ticketTtlMs = 10
    auth.issueTicket(alice, Date.now())
    auth.createSession(alice)
    await delay(80)
    auth.issueTicket(alice, Date.now())
    auth.createSession(alice)
    expect(auth.sizes()).toMatchObject({ tickets: 1, sessions: 1 })
  })

  it('stats: one entry per room and per stream at most MAX_TRACKED, however many arrive', async () => {
    const server = await start()
    const ws = closeAfterTest(await signedInSocket(server))
    for (let i = 0; i < MAX_TRACKED + 100; i++) ws.send(JSON.stringify({ stream: `s${i}`, n: 1 }))
    for (let i = 0; i < 20; i++) await raw(server, upgrade(`/ws/rooms/r${i}`))
    await until(() => Object.keys(server.stats().streams).length >= MAX_TRACKED, 5000, 'the streams')
    await delay(50)
    expect(Object.keys(server.stats().streams)).toHaveLength(MAX_TRACKED)
    expect(Object.keys(server.stats().attemptsByRoom).length).toBeLessThanOrEqual(MAX_TRACKED)
  })

  it('delivery sessions: at most MAX_SESSIONS, and each replay buffer at most RESUME_CHARS, however big the messages', async () => {
    const server = await start()
    const ws = closeAfterTest(await signedInSocket(server))
    for (let i = 0; i < MAX_SESSIONS + 50; i++)
      ws.send(JSON.stringify({ action: 'session', id: `s${i}`, resume: true }))
    const big = 'x'.repeat(30_000)
    for (let i = 0; i < 20; i++)
      ws.send(JSON.stringify({ action: 'message', seq: i + 1, data: { type: 'chat', text: big } })) // echoes kept for a replay
    await until(() => server.buffered().chars > 0, 3000, 'the echoes')
    await delay(100)
    expect(server.buffered().sessions).toBe(MAX_SESSIONS)
    expect(server.buffered().chars).toBeLessThanOrEqual(RESUME_CHARS)
    expect(server.buffered().chars).toBeGreaterThan(RESUME_CHARS / 2)
  })
})

describe('tickets and modes', () => {
  it(
    'a refused in-band ticket is not burnt: a ticket for another user is refused on this ' +
      'socket, and still opens a socket of its own',
    async () => {
      const server = await start()
      const ws = closeAfterTest(await signedInSocket(server)) // alice
      const { token } = await login(server, 'bob')
      const { ticket } = (await (
        await fetch(`${server.url}/api/ws-ticket`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
      ).json()) as { ticket: string }
      track(ticket)
      ws.send(JSON.stringify({ action: 'authenticate', payload: { ticket } }))
      const refusal = await new Promise<string>((resolve) => ws.on('message', (data) => resolve(String(data))))
      expect(JSON.parse(refusal).payload.status_code).toBe(403)
      const own = closeAfterTest(
        new WebSocket(`${server.url.replace('http', 'ws')}/ws?ticket=${ticket}`, { origin: server.url }),
      )
      const verdict = await new Promise<string>((resolve) => own.once('message', (data) => resolve(String(data))))
      expect(JSON.parse(verdict).payload.status_code).toBe(200)
    },
  )

  it(
    'first message from a browser holding a session cookie: ?auth=first-message authenticates ' +
      'by the frame only, once, with no error event',
    async () => {
      const server = await start()
      const response = await fetch(`${server.url}/api/session`, {
        method: 'POST',
        body: JSON.stringify({ username: 'alice', password: 'alice' }),
      })
      const sid = track(/sid=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')![1]!)
      const { token } = await login(server)
      // Node has no cookie jar: this class sends the session cookie the way a signed-in browser does.
      class WithCookie extends WebSocket {
        constructor(url: string, protocols?: string | string[], options: WebSocket.ClientOptions = {}) {
          super(url, protocols, { ...options, headers: { ...options.headers, Cookie: `sid=${sid}` } })
        }
      }
      const socket = closeAfterTest(
        new AuthSocket(`${server.url.replace('http', 'ws')}/ws?auth=first-message`, {
          WebSocket: WithCookie,
          origin: server.url,
          credentials: firstMessage({ token }),
          refreshMargin: 0,
        }),
      )
      const errors: AuthSocketErrorCode[] = []
      socket.on('error', (e) => errors.push(e.code))
      await socket.ready
      await delay(100)
      expect(errors).toEqual([])
      expect(server.stats().authenticated).toBe(1)
    },
  )
})
