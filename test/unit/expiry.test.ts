import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { AuthSocket, queryToken, type CredentialReason } from '../../src/index.js'
import { jwtExpiry, refreshDelay } from '../../src/expiry.js'
import { delay, fastRetry, nextEvent, until } from '../helpers/events.js'
import { startServer, statusFrame, type TestServer } from '../helpers/server.js'
import { jwt, opaqueToken } from '../helpers/tokens.js'
import { closeAfterTest } from '../helpers/fixture.js'

let server: TestServer | undefined
afterEach(() => {
  vi.useRealTimers()
})
const nowS = () => Date.now() / 1000

describe('expiry arithmetic', () => {
  it('reads exp from a JWT; opaque or broken tokens have none', () => {
    expect(jwtExpiry(jwt(2_000_000_000))).toBe(2_000_000_000_000)
    expect(jwtExpiry(opaqueToken())).toBeUndefined()
    expect(jwtExpiry('a.b.c')).toBeUndefined()
    expect(jwtExpiry(undefined)).toBeUndefined()
  })

  it('refreshes a margin before expiry, shrinking the margin for short lifetimes, corrected for skew', () => {
    const now = 1_000_000
    const plan = { skew: 0, margin: 30_000, since: now, now }
    expect(refreshDelay({ ...plan, expiresAt: now + 600_000 })).toBe(570_000)
    expect(refreshDelay({ ...plan, expiresAt: now + 10_000 })).toBe(7_500)
    // The server's clock is 5 s ahead: its expiry comes 5 s earlier on ours.
    expect(refreshDelay({ ...plan, expiresAt: now + 600_000, skew: 5_000 })).toBe(565_000)
    // A tab that slept past the refresh time refreshes at once.
    expect(refreshDelay({ ...plan, expiresAt: now + 600_000, now: now + 590_000 })).toBe(0)
    expect(refreshDelay({ ...plan, expiresAt: now - 1 })).toBe(0)
    expect(refreshDelay({ ...plan, expiresAt: now + 1e12, margin: 0 })).toBe(2 ** 31 - 1)
  })
})

/** A server that checks numbered messages across connections and answers each credential per `reauth`. */
async function numberedServer(reauth: boolean, ttl: number) {
  const got: number[] = []
  const s = await startServer({
    onConnection(conn) {
      conn.socket.send(statusFrame(200, { reauth, expires_at: nowS() + ttl, server_time: Date.now() }))
      conn.socket.on('message', (data) => {
        const frame = JSON.parse(data.toString())
        if (frame.action === 'authenticate')
          conn.socket.send(statusFrame(200, { reauth, expires_at: nowS() + ttl, server_time: Date.now() }))
        else got.push(frame.n)
      })
    },
  })
  return { server: s, got }
}

describe('staying authenticated', () => {
  for (const reauth of [false, true]) {
    it(`refreshes before expiry ${reauth ? 'in band on the open socket' : 'by reconnecting'}, losing and reordering nothing`, async () => {
      const numbered = await numberedServer(reauth, 0.4)
      server = numbered.server
      const reasons: CredentialReason[] = []
      const socket = new AuthSocket<unknown, { n: number }>(server.url, {
        WebSocket,
        retryDelay: fastRetry,
        refreshMargin: 100,
        credentials: queryToken({
          token: ({ reason }) => {
            reasons.push(reason)
            return opaqueToken()
          },
        }),
      })
      closeAfterTest(socket)
      const refreshes: boolean[] = []
      socket.on('refresh', ({ inBand }) => refreshes.push(inBand))
      let n = 0
      const sender = setInterval(() => socket.send({ n: ++n }), 5)
      await until(() => refreshes.length >= 3, 5000, '3 refreshes')
      clearInterval(sender)
      const refreshCount = refreshes.length
      await until(() => socket.state === 'open', 3000, 'open after the last refresh')
      socket.send({ n: ++n })
      await until(() => numbered.got.length === n, 3000, 'every message')
      expect(numbered.got).toEqual(Array.from({ length: n }, (_, i) => i + 1))
      expect(refreshes.every((inBand) => inBand === reauth)).toBe(true)
      expect(server.connections.length).toBe(reauth ? 1 : refreshCount + 1)
      expect(reasons.slice(1, 4)).toEqual(['expiring', 'expiring', 'expiring'])
    })
  }

  it('opaque tokens get no proactive refresh but a fresh one on every reconnect', async () => {
    server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
    const tokens: string[] = []
    const socket = new AuthSocket(server.url, {
      WebSocket,
      retryDelay: fastRetry,
      credentials: queryToken({
        token: () => {
          tokens.push(opaqueToken())
          return tokens.at(-1)!
        },
      }),
    })
    closeAfterTest(socket)
    const auth = await nextEvent(socket, 'authenticated')
    expect(auth.expiresAt).toBeUndefined()
    ;(await server.connection(1)).socket.terminate()
    await nextEvent(socket, 'authenticated')
    expect(tokens).toHaveLength(2)
    expect(server.connections.map((c) => c.url.searchParams.get('token'))).toEqual(tokens)
  })

  it('re-checks at once when the tab becomes visible (background tabs throttle timers)', async () => {
    const g = globalThis as Record<string, unknown>
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' })
    g.document = doc
    try {
      server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
      const socket = new AuthSocket(server.url, {
        WebSocket,
        retryDelay: fastRetry,
        credentials: queryToken({ token: () => jwt(Math.floor(nowS()) + 3600) }),
      })
      closeAfterTest(socket)
      await socket.ready
      vi.useFakeTimers({ toFake: ['Date'] })
      vi.setSystemTime(Date.now() + 3590_000) // the tab slept for an hour; its timer has not fired
      const refresh = nextEvent(socket, 'refresh', () => true, 1000)
      doc.dispatchEvent(new Event('visibilitychange'))
      await refresh
    } finally {
      delete g.document
    }
  })

  it("cuts the backoff short when the network comes back ('online')", async () => {
    const g = globalThis as unknown as {
      addEventListener?: unknown
      removeEventListener?: unknown
      dispatchEvent?: unknown
    }
    const target = new EventTarget()
    Object.assign(g, {
      addEventListener: target.addEventListener.bind(target),
      removeEventListener: target.removeEventListener.bind(target),
    })
    try {
      let up = false
      server = await startServer({
        refuseUpgrade: () => (up ? undefined : 503),
        onConnection: (conn) => conn.socket.send(statusFrame(200)),
      })
      const socket = new AuthSocket(server.url, {
        WebSocket,
        retryDelay: (n) => (n === 1 ? 10 : 60_000),
        credentials: queryToken({ token: () => opaqueToken() }),
      })
      closeAfterTest(socket)
      await until(() => socket.state === 'reconnecting')
      await delay(100) // now sleeping 60 s
      up = true
      target.dispatchEvent(new Event('online'))
      await socket.ready
    } finally {
      delete g.addEventListener
      delete g.removeEventListener
    }
  })

  it('a failed in-band refresh keeps the socket open and tries again', async () => {
    server = await startServer({
      onConnection(conn) {
        conn.socket.send(statusFrame(200, { reauth: true, expires_at: nowS() + 0.2 }))
        conn.socket.on('message', () => conn.socket.send(statusFrame(200, { reauth: true, expires_at: nowS() + 3600 })))
      },
    })
    let calls = 0
    const socket = new AuthSocket(server.url, {
      WebSocket,
      retryDelay: fastRetry,
      refreshMargin: 0,
      credentials: queryToken({ token: () => (++calls === 2 ? Promise.reject(new Error('flaky')) : opaqueToken()) }),
    })
    closeAfterTest(socket)
    const errors: string[] = []
    socket.on('error', (e) => errors.push(e.code))
    await nextEvent(socket, 'authenticated', (a) => a.inBand, 3000)
    expect(errors).toEqual(['CREDENTIAL_FETCH_FAILED'])
    expect(server.connections).toHaveLength(1)
  })

  it('an in-band refusal reconnects with a fresh credential', async () => {
    server = await startServer({
      onConnection(conn) {
        conn.socket.send(
          statusFrame(200, { reauth: true, expires_at: nowS() + (server!.connections.length === 1 ? 0.2 : 3600) }),
        )
        conn.socket.on('message', () => conn.socket.send(statusFrame(401, { detail: 'revoked' })))
      },
    })
    const socket = new AuthSocket(server.url, {
      WebSocket,
      retryDelay: fastRetry,
      refreshMargin: 0,
      credentials: queryToken({ token: () => opaqueToken() }),
    })
    closeAfterTest(socket)
    await socket.ready
    expect(await nextEvent(socket, 'unauthenticated', () => true, 3000)).toMatchObject({ status: 401, willRetry: true })
    await nextEvent(socket, 'authenticated')
    expect(server.connections).toHaveLength(2)
  })

  it("the server's expiry notice (an unasked 401 frame, then close 4001) is no error: a fresh credential and a reconnect", async () => {
    server = await startServer({
      onConnection(conn) {
        conn.socket.send(statusFrame(200))
        if (server!.connections.length === 1) {
          setTimeout(() => {
            conn.socket.send(statusFrame(401, { detail: 'Token expired' }))
            conn.socket.close(4001, 'Token expired')
          }, 50)
        }
      },
    })
    const reasons: CredentialReason[] = []
    const socket = new AuthSocket(server.url, {
      WebSocket,
      retryDelay: fastRetry,
      credentials: queryToken({
        token: ({ reason }) => {
          reasons.push(reason)
          return opaqueToken()
        },
      }),
    })
    closeAfterTest(socket)
    const errors: string[] = []
    socket.on('error', (e) => errors.push(e.code))
    await socket.ready
    await nextEvent(socket, 'authenticated')
    expect(errors).toEqual([])
    expect(reasons).toEqual(['initial', 'rejected'])
  })
})
