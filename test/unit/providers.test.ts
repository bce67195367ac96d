import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  AuthSocket,
  cookie,
  CredentialRejectedError,
  firstMessage,
  header,
  queryToken,
  subprotocol,
  ticket,
  type AuthSocketError,
  type CredentialReason,
} from '../../src/index.js'
import { base64url } from '../../src/credentials/subprotocol.js'
import { delay, nextEvent, until } from '../helpers/events.js'
import { startServer, statusFrame, type Connection, type TestServer } from '../helpers/server.js'
import { opaqueToken } from '../helpers/tokens.js'
import { openSocket } from '../helpers/fixture.js'

let server: TestServer | undefined

/** Accepts when `check(conn)` is true (200 frame + echo), otherwise 401 frame then close 1000, as Chanx does. */
function chanx(check: (conn: Connection) => boolean | Promise<boolean>) {
  return async (conn: Connection) => {
    if (await check(conn)) {
      conn.socket.send(statusFrame(200, { user: 'alice' }))
      conn.socket.on('message', (data) => conn.socket.send(data.toString()))
    } else {
      conn.socket.send(statusFrame(401, { detail: 'bad credential' }))
      conn.socket.close(1000)
    }
  }
}

describe('providers', () => {
  it('queryToken asks the token source before every attempt, saying why', async () => {
    const reasons: CredentialReason[] = []
    const tokens: string[] = []
    server = await startServer({
      onConnection: chanx((conn) => tokens.includes(conn.url.searchParams.get('token') ?? '')),
    })
    const socket = openSocket(server.url, {
      credentials: queryToken({
        token: ({ reason }) => {
          reasons.push(reason)
          const t = opaqueToken()
          tokens.push(t)
          return t
        },
      }),
    })
    await socket.ready
    ;(await server.connection(1)).socket.terminate()
    await nextEvent(socket, 'authenticated')
    expect(reasons).toEqual(['initial', 'reconnect'])
    const seen = server.connections.map((c) => c.url.searchParams.get('token'))
    expect(seen).toEqual(tokens)
    expect(new Set(seen).size).toBe(2)
  })

  it('passes the reason "rejected" after a refusal', async () => {
    const reasons: CredentialReason[] = []
    let calls = 0
    server = await startServer({ onConnection: chanx(() => server!.connections.length > 1) })
    const socket = openSocket(server.url, {
      credentials: queryToken({
        token: async ({ reason }) => {
          reasons.push(reason)
          calls++
          return opaqueToken()
        },
      }),
    })
    await socket.ready
    expect(reasons).toEqual(['initial', 'rejected'])
    expect(calls).toBe(2)
  })

  it('firstMessage sends the token frame first, before anything queued, and only once per socket', async () => {
    const token = opaqueToken()
    server = await startServer({
      onConnection: async (conn) => {
        const first = JSON.parse(await conn.next())
        if (first.action === 'authenticate' && first.payload.token === token) {
          conn.socket.send(statusFrame(200))
          conn.socket.on('message', (data) => conn.socket.send(data.toString()))
        } else conn.socket.close(4001)
      },
    })
    const socket = openSocket<{ n: number }, { n: number }>(server.url, { credentials: firstMessage({ token }) })
    socket.send({ n: 1 })
    socket.send({ n: 2 })
    const got: number[] = []
    socket.on('message', (m) => got.push(m.n))
    await until(() => got.length === 2)
    const conn = await server.connection(1)
    expect(conn.received.map((f) => JSON.parse(f))).toEqual([
      { action: 'authenticate', payload: { token } },
      { n: 1 },
      { n: 2 },
    ])
  })

  it('firstMessage takes a custom frame builder (common Channels tutorials read {"token": ...})', async () => {
    const token = opaqueToken()
    server = await startServer({ onConnection: chanx(async (conn) => JSON.parse(await conn.next()).token === token) })
    const socket = openSocket(server.url, { credentials: firstMessage({ token, frame: (t) => ({ token: t }) }) })
    await socket.ready
  })

  it('ticket fetches a fresh single-use ticket for every attempt, with the bearer token', async () => {
    const issued = new Set<string>()
    const used = new Set<string>()
    const bearer = opaqueToken('bearer')
    let fetches = 0
    server = await startServer({
      onHttp(req, res) {
        if (req.url !== '/api/ws-ticket' || req.method !== 'POST') return void res.writeHead(404).end()
        if (req.headers.authorization !== `Bearer ${bearer}`) return void res.writeHead(401).end()
        fetches++
        const t = opaqueToken('ticket')
        issued.add(t)
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ticket: t, expires: Date.now() / 1000 + 30 }))
      },
      onConnection: chanx((conn) => {
        const t = conn.url.searchParams.get('ticket') ?? ''
        const ok = issued.has(t) && !used.has(t)
        used.add(t)
        return ok
      }),
    })
    const socket = openSocket(server.url, { credentials: ticket({ endpoint: '/api/ws-ticket', token: () => bearer }) })
    await socket.ready
    for (let i = 2; i <= 4; i++) {
      ;(await server.connection(i - 1)).socket.terminate()
      await nextEvent(socket, 'authenticated')
    }
    expect(fetches).toBe(4)
    expect(used.size).toBe(4)
    const url = await nextEventOrUrl(socket)
    expect(url).not.toContain([...issued][0])
  })

  it('ticket: a 401 from the endpoint asks the token source again (rejected), and connects once a fresh token is accepted', async () => {
    const reasons: CredentialReason[] = []
    const tokens: string[] = []
    const authorizations: (string | undefined)[] = []
    server = await startServer({
      onHttp(req, res) {
        authorizations.push(req.headers.authorization)
        // The first access token has expired; the endpoint takes the second.
        if (req.headers.authorization !== `Token ${tokens[1]}`) return void res.writeHead(401).end()
        res.writeHead(200).end(JSON.stringify({ ticket: opaqueToken('ticket') }))
      },
      onConnection: chanx(() => true),
    })
    const token = ({ reason }: { reason: CredentialReason }) => {
      reasons.push(reason)
      tokens.push(opaqueToken('access'))
      return tokens.at(-1)!
    }
    const socket = openSocket(server.url, {
      credentials: ticket({ endpoint: '/api/ws-ticket', token, scheme: 'Token' }),
    })
    await socket.ready
    expect(reasons).toEqual(['initial', 'rejected'])
    expect(authorizations).toEqual([`Token ${tokens[0]}`, `Token ${tokens[1]}`])
  })

  it('ticket: an endpoint that refuses every fresh token fails after maxAuthFailures, without opening a socket', async () => {
    let attempts = 0
    const reasons: CredentialReason[] = []
    server = await startServer({ onHttp: (_req, res) => void res.writeHead(401).end(), onConnection: () => attempts++ })
    const socket = openSocket(server.url, {
      credentials: ticket({
        endpoint: '/api/ws-ticket',
        token: ({ reason }) => {
          reasons.push(reason)
          return opaqueToken()
        },
      }),
    })
    await expect(socket.ready).rejects.toMatchObject({
      code: 'AUTH_FAILURES_EXHAUSTED',
      message: expect.stringMatching(/credential endpoint refused 3 fresh credentials in a row \(last 401\)/),
    })
    expect(socket.state).toBe('failed')
    expect(reasons).toEqual(['initial', 'rejected', 'rejected'])
    await delay(100)
    expect(attempts).toBe(0)
  })

  it(
    'ticket: `headers` go with every fetch (a function is asked each time: a CSRF token that ' +
      'rotates), and cannot replace Authorization',
    async () => {
      const seen: { csrf?: string; authorization?: string; extra?: string }[] = []
      server = await startServer({
        onHttp(req, res) {
          seen.push({
            csrf: req.headers['x-csrftoken'] as string,
            authorization: req.headers.authorization,
            extra: req.headers['x-extra'] as string,
          })
          res.writeHead(200).end(JSON.stringify({ ticket: opaqueToken('ticket') }))
        },
        onConnection: chanx(() => true),
      })
      let csrf = 0
      const socket = openSocket(server.url, {
        credentials: ticket({
          endpoint: '/api/ws-ticket/',
          token: 'access',
          headers: async () => ({ 'X-CSRFToken': `csrf-${++csrf}`, Authorization: 'ignored' }),
        }),
      })
      await socket.ready
      ;(await server.connection(1)).socket.terminate()
      await nextEvent(socket, 'authenticated')
      expect(seen).toEqual([
        { csrf: 'csrf-1', authorization: 'Bearer access', extra: undefined },
        { csrf: 'csrf-2', authorization: 'Bearer access', extra: undefined },
      ])
      const fixed = openSocket(server.url, {
        credentials: ticket({ endpoint: '/api/ws-ticket/', headers: { 'X-Extra': 'yes' } }),
      })
      await fixed.ready
      expect(seen[2]).toEqual({ csrf: undefined, authorization: undefined, extra: 'yes' })
    },
  )

  it('ticket: a 500 from the endpoint is an error event, then a retry with backoff', async () => {
    let fetches = 0
    server = await startServer({
      onHttp(_req, res) {
        fetches++
        if (fetches < 3) return void res.writeHead(503).end()
        res.writeHead(200).end(JSON.stringify({ ticket: opaqueToken('ticket') }))
      },
      onConnection: chanx(() => true),
    })
    const errors: AuthSocketError[] = []
    const socket = openSocket(server.url, {
      credentials: ticket({ endpoint: `${server.http}/api/ws-ticket` }),
      autoConnect: false,
    })
    socket.on('error', (e) => errors.push(e))
    socket.connect()
    await socket.ready
    expect(fetches).toBe(3)
    expect(errors.map((e) => e.code)).toEqual(['CREDENTIAL_FETCH_FAILED', 'CREDENTIAL_FETCH_FAILED'])
    expect(errors[0]!.message).toMatch(/answered 503; will retry/)
  })

  it('ticket: a body without a ticket is a clear error', async () => {
    server = await startServer({ onHttp: (_req, res) => void res.writeHead(200).end('{"nope":1}') })
    const socket = openSocket(server.url, { credentials: ticket({ endpoint: '/t' }), retryAttempts: 0 })
    const errors: AuthSocketError[] = []
    socket.on('error', (e) => errors.push(e))
    await socket.ready.catch(() => undefined)
    expect(errors.map((e) => e.code)).toEqual(['CREDENTIAL_FETCH_FAILED', 'RETRIES_EXHAUSTED'])
    expect(errors[0]!.message).toMatch(/without a "ticket" string/)
  })

  it('subprotocol carries the bearer in Sec-WebSocket-Protocol and the server picks authsocket.v1', async () => {
    const token = opaqueToken()
    server = await startServer({
      handleProtocols: (protocols) => (protocols.has('authsocket.v1') ? 'authsocket.v1' : false),
      onConnection: chanx((conn) => {
        const offered = String(conn.request.headers['sec-websocket-protocol'])
          .split(',')
          .map((p) => p.trim())
        return offered.join(' ') === `authsocket.v1 authsocket.bearer.${base64url(token)}`
      }),
    })
    const socket = openSocket(server.url, { credentials: subprotocol({ token }) })
    await socket.ready
    expect((await server.connection(1)).socket.protocol).toBe('authsocket.v1')
  })

  it('base64url encodes any text without padding or URL-unsafe characters', () => {
    expect(base64url('a?b>c~é')).toBe(Buffer.from('a?b>c~é').toString('base64url'))
  })

  it('header sends Authorization with the configured scheme, and origin sets Origin', async () => {
    const token = opaqueToken()
    server = await startServer({
      onConnection: chanx(
        (conn) =>
          conn.request.headers.authorization === `Token ${token}` && conn.request.headers.origin === 'http://app.test',
      ),
    })
    const socket = openSocket(server.url, {
      credentials: header({ token, scheme: 'Token' }),
      origin: 'http://app.test',
    })
    await socket.ready
  })

  it('header refuses to run in a browser, saying what to use instead', () => {
    const g = globalThis as Record<string, unknown>
    g.window = {}
    g.document = {}
    try {
      expect(() => new AuthSocket('ws://127.0.0.1:1/ws', { credentials: header({ token: 't' }), WebSocket })).toThrow(
        /Use subprotocol\(\) or ticket\(\)/,
      )
      expect(() => new AuthSocket('ws://127.0.0.1:1/ws', { credentials: header({ token: 't' }), WebSocket })).toThrow(
        expect.objectContaining({ code: 'UNSUPPORTED_ENVIRONMENT' }),
      )
      expect(
        () => new AuthSocket('ws://127.0.0.1:1/ws', { credentials: cookie({ cookie: 'a=b' }), WebSocket }),
      ).toThrow(/only Node/)
    } finally {
      delete g.window
      delete g.document
    }
  })

  it('cookie runs beforeConnect before every attempt and (in Node) sends the Cookie header', async () => {
    const session = opaqueToken('session')
    let hooks = 0
    server = await startServer({
      onConnection: chanx((conn) => conn.request.headers.cookie === `sessionid=${session}`),
    })
    const socket = openSocket(server.url, {
      credentials: cookie({ beforeConnect: () => void hooks++, cookie: () => `sessionid=${session}` }),
    })
    await socket.ready
    ;(await server.connection(1)).socket.terminate()
    await nextEvent(socket, 'authenticated')
    expect(hooks).toBe(2)
  })

  it('a token source that throws is an error event and a retry; CredentialRejectedError stops', async () => {
    server = await startServer({ onConnection: chanx(() => true) })
    let calls = 0
    const socket = openSocket(server.url, {
      credentials: queryToken({
        token: () => {
          calls++
          if (calls === 1) throw new Error('network down')
          if (calls === 2) return '' // not a token
          return opaqueToken()
        },
      }),
    })
    const errors: string[] = []
    socket.on('error', (e) => errors.push(e.message))
    await socket.ready
    expect(errors).toHaveLength(2)
    expect(errors[0]).toMatch(/provider threw Error; retrying/)
    expect(errors[1]).toMatch(/returned an empty string/)

    const stopped = openSocket(server.url, {
      credentials: queryToken({ token: () => Promise.reject(new CredentialRejectedError('signed out')) }),
    })
    await expect(stopped.ready).rejects.toThrow('signed out')
    expect(stopped.state).toBe('failed')
  })
})

async function nextEventOrUrl(socket: AuthSocket<any, any>): Promise<string> {
  socket.reconnect()
  return (await nextEvent(socket, 'connecting')).url
}
