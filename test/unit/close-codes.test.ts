import { describe, expect, it, vi } from 'vitest'
import { classifyFailure, CloseCode, fullJitter, queryToken, ticket, type CredentialReason } from '../../src/index.js'
import { delay, nextEvent, until } from '../helpers/events.js'
import { startServer, statusFrame, type TestServer } from '../helpers/server.js'
import { opaqueToken } from '../helpers/tokens.js'
import { openSocket } from '../helpers/fixture.js'

let server: TestServer | undefined

describe('close code classification', () => {
  it('follows PROTOCOL.md section 3', () => {
    const close = (code: number, opened = true) => classifyFailure({ kind: 'close', code, reason: '', opened })
    expect([4001, 4401, 4008].map((c) => close(c))).toEqual(['unauthorized', 'unauthorized', 'unauthorized'])
    expect([4003, 4403, 1008].map((c) => close(c))).toEqual(['forbidden', 'forbidden', 'forbidden'])
    expect([1000, 1001, 1006, 1011, 4500].map((c) => close(c, false))).toEqual([
      'network',
      'network',
      'network',
      'network',
      'network',
    ])
    expect(classifyFailure({ kind: 'frame', status: 401 })).toBe('unauthorized')
    expect(classifyFailure({ kind: 'frame', status: 403 })).toBe('forbidden')
    expect(classifyFailure({ kind: 'frame', status: 500 })).toBe('network')
    expect(
      [401, 403, 404, 400, 301, 408, 429, 503].map((status) => classifyFailure({ kind: 'handshake', status })),
    ).toEqual(['unauthorized', 'unauthorized', 'fatal', 'fatal', 'fatal', 'network', 'network', 'network'])
    expect(CloseCode.Unauthorized).toBe(4001)
  })
})

describe('close codes on the wire', () => {
  it('4001 retries with a fresh credential, then fails after maxAuthFailures attempts and makes no more', async () => {
    const reasons: CredentialReason[] = []
    server = await startServer({ onConnection: (conn) => conn.socket.close(4001, 'bad token') })
    const socket = openSocket(server.url, {
      credentials: queryToken({
        token: ({ reason }) => {
          reasons.push(reason)
          return opaqueToken()
        },
      }),
    })
    await expect(socket.ready).rejects.toMatchObject({ code: 'AUTH_FAILURES_EXHAUSTED' })
    expect(socket.state).toBe('failed')
    expect(reasons).toEqual(['initial', 'rejected', 'rejected'])
    await delay(200)
    expect(server.connections).toHaveLength(3)
    expect(new Set(server.connections.map((c) => c.url.searchParams.get('token'))).size).toBe(3)
  })

  it('4003 fails at once', async () => {
    server = await startServer({ onConnection: (conn) => conn.socket.close(4003, 'not your room') })
    const socket = openSocket(server.url)
    const unauth = nextEvent(socket, 'unauthenticated')
    await expect(socket.ready).rejects.toMatchObject({ code: 'FORBIDDEN', detail: 'not your room' })
    expect(await unauth).toEqual({ status: 4003, detail: 'not your room', willRetry: false })
    await delay(200)
    expect(server.connections).toHaveLength(1)
  })

  it('classify can turn DRF\'s 403 "not logged in" into a retryable failure', async () => {
    server = await startServer({
      onConnection(conn) {
        if (server!.connections.length < 3) {
          conn.socket.send(statusFrame(403, { detail: 'Authentication credentials were not provided.' }))
          conn.socket.close(1000)
        } else conn.socket.send(statusFrame(200))
      },
    })
    const socket = openSocket(server.url, {
      classify: (f) => (f.kind === 'frame' && f.status === 403 ? 'unauthorized' : undefined),
    })
    await socket.ready
    expect(server.connections).toHaveLength(3)
  })

  it('a handshake refused with 401 or 403 (Node sees the status) is retried with fresh credentials, then fails: no loop', async () => {
    let upgrades = 0
    server = await startServer({ onUpgrade: () => upgrades++, refuseUpgrade: () => (upgrades % 2 ? 403 : 401) })
    const socket = openSocket(server.url)
    await expect(socket.ready).rejects.toMatchObject({ code: 'AUTH_FAILURES_EXHAUSTED' })
    await delay(100)
    expect(upgrades).toBe(3)
  })

  it(
    'a bare failure before open (HTTP 503, close 1006) is a network failure: backoff on every ' +
      'attempt, a fresh credential, never a storm',
    async () => {
      let upgrades = 0
      const delays: number[] = []
      const tokens = new Set<string>()
      server = await startServer({
        onUpgrade: (req) => {
          upgrades++
          tokens.add(new URL(req.url!, 'http://x').searchParams.get('token')!)
        },
        refuseUpgrade: () => 503,
      })
      const socket = openSocket(server.url, {
        retryAttempts: 4,
        retryDelay: (n) => {
          delays.push(n)
          return 10
        },
      })
      const closes: number[] = []
      socket.on('close', (c) => closes.push(c.code))
      await expect(socket.ready).rejects.toMatchObject({ code: 'RETRIES_EXHAUSTED' })
      expect(upgrades).toBe(5)
      expect(tokens.size).toBe(5)
      expect(delays).toEqual([1, 2, 3, 4])
      expect(closes.every((c) => c === 1006)).toBe(true)
      await delay(100)
      expect(upgrades).toBe(5)
    },
  )

  it("with confirm: 'open', maxHandshakeFailures attempts that never open stop the client (HANDSHAKE_REFUSED)", async () => {
    let upgrades = 0
    server = await startServer({ onUpgrade: () => upgrades++, refuseUpgrade: () => 503 })
    const socket = openSocket(server.url, { confirm: 'open' })
    const willRetry: boolean[] = []
    socket.on('close', (c) => willRetry.push(c.willRetry))
    const error = await socket.ready.catch((e: unknown) => e)
    expect(willRetry).toEqual([true, true, true, true, false])
    expect(error).toMatchObject({
      code: 'HANDSHAKE_REFUSED',
      message: expect.stringMatching(/5 attempts in a row closed before opening/),
    })
    expect(upgrades).toBe(5)
    const three = openSocket(server.url, { confirm: 'open', maxHandshakeFailures: 3 })
    await expect(three.ready).rejects.toMatchObject({ code: 'HANDSHAKE_REFUSED' })
    expect(upgrades).toBe(8)
  })

  it('full jitter: every delay is random within [0, min(cap, base * 2^(n-1))]', () => {
    const random = vi.spyOn(Math, 'random')
    const policy = fullJitter({ base: 100, cap: 1000 })
    random.mockReturnValue(0.999999)
    expect([1, 2, 3, 4, 5, 10].map((n) => Math.round(policy(n)))).toEqual([100, 200, 400, 800, 1000, 1000])
    random.mockReturnValue(0)
    expect(policy(3)).toBe(0)
    random.mockRestore()
    const samples = Array.from({ length: 200 }, () => policy(4))
    expect(new Set(samples).size).toBeGreaterThan(150)
    expect(Math.max(...samples)).toBeLessThanOrEqual(800)
  })

  it('a drop after authentication reconnects with backoff; attempts that fail before opening get fresh credentials', async () => {
    const tokens: string[] = []
    let refuse = false
    server = await startServer({
      refuseUpgrade: () => (refuse ? 503 : undefined),
      onConnection: (conn) => conn.socket.send(statusFrame(200)),
    })
    const socket = openSocket(server.url, {
      credentials: queryToken({
        token: () => {
          const t = opaqueToken()
          tokens.push(t)
          return t
        },
      }),
    })
    await socket.ready
    refuse = true
    ;(await server.connection(1)).socket.terminate()
    await until(() => tokens.length >= 3)
    refuse = false
    await nextEvent(socket, 'authenticated')
    expect(new Set(tokens).size).toBe(tokens.length)
  })

  it('close() stops everything: clears timers, cancels the pending fetch, no further attempt', async () => {
    let fetchSignal: AbortSignal | undefined
    let upgrades = 0
    server = await startServer({ onUpgrade: () => upgrades++ })
    const socket = openSocket(server.url, {
      credentials: ticket({
        endpoint: '/t',
        fetch: (_url, init) => {
          fetchSignal = init?.signal ?? undefined
          return new Promise(() => undefined)
        },
      }),
    })
    await until(() => fetchSignal !== undefined)
    socket.close()
    expect(fetchSignal!.aborted).toBe(true)
    expect(socket.state).toBe('closed')
    await delay(100)
    expect(upgrades).toBe(0)
  })

  it('debug gets a line per decision and per backoff delay, with no credential in any', async () => {
    const token = opaqueToken()
    const lines: string[] = []
    server = await startServer({
      onConnection: (conn) =>
        server!.connections.length === 1 ? conn.socket.close(4001, 'bad') : conn.socket.send(statusFrame(200)),
    })
    const socket = openSocket(server.url, { credentials: queryToken({ token }), debug: (line) => lines.push(line) })
    await socket.ready
    expect(lines.some((l) => l.startsWith('[authsocket] connecting {"attempt":1,'))).toBe(true)
    expect(lines).toContain('[authsocket] unauthenticated {"status":4001,"detail":"bad","willRetry":true}')
    expect(lines.some((l) => /^\[authsocket\] retry 1 in \d+ ms$/.test(l))).toBe(true)
    expect(lines.some((l) => l.startsWith('[authsocket] authenticated'))).toBe(true)
    expect(lines.join('\n')).not.toContain(token)
    expect(() => openSocket(server!.url, { debug: 'yes' as never })).toThrow(/`debug` must be a function/)
  })
})
