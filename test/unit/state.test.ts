import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { CredentialRejectedError, queryToken, ticket } from '../../src/index.js'
import { nextEvent, timeline, until } from '../helpers/events.js'
import { startServer, statusFrame, type TestServer } from '../helpers/server.js'
import { opaqueToken } from '../helpers/tokens.js'
import { openSocket } from '../helpers/fixture.js'

let server: TestServer | undefined
const lazy = (url: string, options: Parameters<typeof openSocket>[1] = {}) =>
  openSocket(url, { autoConnect: false, ...options })
const accept = { onConnection: (conn: { socket: WebSocket }) => conn.socket.send(statusFrame(200, { reauth: true })) }

describe('state machine: every transition', () => {
  it('idle -> connecting -> authenticating -> open -> closed', async () => {
    server = await startServer(accept)
    const socket = lazy(server.url)
    expect(socket.state).toBe('idle')
    const log = timeline(socket, ['state'])
    socket.connect()
    await socket.ready
    socket.close()
    expect(log).toEqual(['state:connecting', 'state:authenticating', 'state:open', 'state:closed'])
  })

  it('open -> reconnecting -> authenticating -> open (a drop)', async () => {
    server = await startServer(accept)
    const socket = lazy(server.url)
    socket.connect()
    await socket.ready
    const log = timeline(socket, ['state'])
    ;(await server.connection(1)).socket.terminate()
    await nextEvent(socket, 'authenticated')
    expect(log).toEqual(['state:reconnecting', 'state:authenticating', 'state:open'])
  })

  it('connecting -> reconnecting (the first attempt fails before opening)', async () => {
    server = await startServer({
      ...accept,
      refuseUpgrade: () => (server!.connections.length === 0 && !refused++ ? 503 : undefined),
    })
    let refused = 0
    const socket = lazy(server.url)
    const log = timeline(socket, ['state'])
    socket.connect()
    await socket.ready
    expect(log).toEqual(['state:connecting', 'state:reconnecting', 'state:authenticating', 'state:open'])
  })

  it('authenticating -> reconnecting (401) and authenticating -> failed (403)', async () => {
    server = await startServer({
      onConnection: (conn) => conn.socket.send(statusFrame(server!.connections.length === 1 ? 401 : 403)),
    })
    const socket = lazy(server.url)
    const log = timeline(socket, ['state'])
    socket.connect()
    await socket.ready.catch(() => undefined)
    expect(log).toEqual([
      'state:connecting',
      'state:authenticating',
      'state:reconnecting',
      'state:authenticating',
      'state:failed',
    ])
  })

  it('connecting -> failed (the token source says signed out) and failed -> connecting (reconnect)', async () => {
    let allow = false
    server = await startServer({
      ...accept,
      onHttp: (_req, res) => res.writeHead(200).end(JSON.stringify({ ticket: opaqueToken('t') })),
    })
    const token = () => (allow ? opaqueToken() : Promise.reject(new CredentialRejectedError('signed out')))
    const socket = lazy(server.url, { credentials: ticket({ endpoint: '/t', token }) })
    const log = timeline(socket, ['state'])
    socket.connect()
    await socket.ready.catch(() => undefined)
    allow = true
    socket.reconnect()
    await socket.ready
    expect(log).toEqual(['state:connecting', 'state:failed', 'state:connecting', 'state:authenticating', 'state:open'])
  })

  it('open -> authenticating -> open (in-band re-authentication), and closed -> connecting', async () => {
    server = await startServer({
      onConnection(conn) {
        conn.socket.send(statusFrame(200, { reauth: true, expires_at: Date.now() / 1000 + 0.3 }))
        conn.socket.on('message', (data) => {
          if (JSON.parse(data.toString()).action === 'authenticate')
            conn.socket.send(statusFrame(200, { reauth: true, expires_at: Date.now() / 1000 + 3600 }))
        })
      },
    })
    const socket = lazy(server.url, { refreshMargin: 0 })
    socket.connect()
    await socket.ready
    const log = timeline(socket, ['state'])
    await nextEvent(socket, 'authenticated', (a) => a.inBand)
    socket.close()
    socket.connect()
    await socket.ready
    expect(log).toEqual([
      'state:authenticating',
      'state:open',
      'state:closed',
      'state:connecting',
      'state:authenticating',
      'state:open',
    ])
    expect(server.connections).toHaveLength(2)
  })

  it('every state event carries the previous state', async () => {
    server = await startServer(accept)
    const socket = lazy(server.url)
    const pairs: string[] = []
    socket.on('state', ({ previous, state }) => pairs.push(`${previous}>${state}`))
    socket.connect()
    await socket.ready
    await until(() => pairs.length === 3)
    expect(pairs).toEqual(['idle>connecting', 'connecting>authenticating', 'authenticating>open'])
  })

  it('reconnecting -> failed (retries exhausted after a drop)', async () => {
    let up = true
    server = await startServer({ ...accept, refuseUpgrade: () => (up ? undefined : 503) })
    const socket = lazy(server.url, { retryAttempts: 2 })
    socket.connect()
    await socket.ready
    const log = timeline(socket, ['state'])
    up = false
    ;(await server.connection(1)).socket.terminate()
    await nextEvent(socket, 'state', (s) => s.state === 'failed')
    expect(log).toEqual(['state:reconnecting', 'state:failed'])
  })

  for (const from of ['idle', 'connecting', 'authenticating', 'open', 'reconnecting', 'failed'] as const) {
    it(`${from} -> closed`, async () => {
      server = await startServer({
        onConnection: (conn) => {
          if (from === 'authenticating') return // never answers
          conn.socket.send(statusFrame(from === 'failed' ? 403 : 200))
        },
        refuseUpgrade: () => (from === 'reconnecting' ? 503 : undefined),
      })
      const socket = lazy(
        server.url,
        from === 'connecting' ? { credentials: queryToken({ token: () => new Promise<string>(() => undefined) }) } : {},
      )
      if (from !== 'idle') {
        socket.connect()
        await until(() => socket.state === from, 3000, from)
      }
      const log = timeline(socket, ['state'])
      socket.close()
      expect(log).toEqual(['state:closed'])
      expect(socket.state).toBe('closed')
    })
  }

  it('open -> failed (the server forbids an authenticated socket: close 4003)', async () => {
    server = await startServer(accept)
    const socket = lazy(server.url)
    socket.connect()
    await socket.ready
    const log = timeline(socket, ['state'])
    ;(await server.connection(1)).socket.close(4003, 'banned')
    await nextEvent(socket, 'state', (s) => s.state === 'failed')
    expect(log).toEqual(['state:failed'])
  })
})
