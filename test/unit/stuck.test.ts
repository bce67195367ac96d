/**
 * reconnecting-websocket 4.4.0 can wedge for good (seen here, and read from its source): a rejecting URL provider,
 * close() while the provider is pending, and exhausted retries all leave its connect lock set.
 * None of these may be reachable through AuthSocket, and a manual reconnect must work after each.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AuthSocket, queryToken } from '../../src/index.js'
import { delay, fastRetry, nextEvent, until } from '../helpers/events.js'
import { startServer, statusFrame, type TestServer } from '../helpers/server.js'
import { opaqueToken } from '../helpers/tokens.js'
import { closeAfterTest } from '../helpers/fixture.js'

let server: TestServer | undefined

describe('no stuck states', () => {
  it('a credential fetch that rejects: error event, retry, and it connects', async () => {
    server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
    let calls = 0
    const socket = new AuthSocket(server.url, {
      WebSocket,
      retryDelay: fastRetry,
      credentials: queryToken({
        token: async () => (++calls <= 3 ? Promise.reject(new Error('offline')) : opaqueToken()),
      }),
    })
    closeAfterTest(socket)
    await socket.ready
    expect(calls).toBe(4)
  })

  it('close() while a fetch is pending, then a manual reconnect works', async () => {
    server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
    let hang = true
    let calls = 0
    const socket = new AuthSocket(server.url, {
      WebSocket,
      retryDelay: fastRetry,
      credentials: queryToken({
        token: () => {
          calls++
          return hang ? new Promise<string>(() => undefined) : opaqueToken()
        },
      }),
    })
    closeAfterTest(socket)
    await until(() => calls === 1)
    socket.close()
    await delay(50)
    expect(server.connections).toHaveLength(0)
    hang = false
    socket.reconnect()
    await socket.ready
    expect(server.connections).toHaveLength(1)
  })

  it('retries exhausted: failed, then a manual reconnect works', async () => {
    let up = false
    server = await startServer({
      refuseUpgrade: () => (up ? undefined : 503),
      onConnection: (conn) => conn.socket.send(statusFrame(200)),
    })
    const socket = new AuthSocket(server.url, {
      WebSocket,
      retryDelay: fastRetry,
      retryAttempts: 2,
      credentials: queryToken({ token: () => opaqueToken() }),
    })
    closeAfterTest(socket)
    await expect(socket.ready).rejects.toMatchObject({ code: 'RETRIES_EXHAUSTED' })
    up = true
    socket.reconnect()
    await socket.ready
    expect(socket.state).toBe('open')
  })

  it('a token source that fails forever with retryAttempts set ends failed, then recovers', async () => {
    server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
    let ok = false
    const socket = new AuthSocket(server.url, {
      WebSocket,
      retryDelay: fastRetry,
      retryAttempts: 1,
      credentials: queryToken({ token: () => (ok ? opaqueToken() : Promise.reject(new Error('down'))) }),
    })
    closeAfterTest(socket)
    await expect(socket.ready).rejects.toMatchObject({ code: 'RETRIES_EXHAUSTED' })
    ok = true
    socket.reconnect()
    await socket.ready
  })

  it('a connect that never completes times out and is retried (connectTimeout)', async () => {
    const { createServer } = await import('node:net')
    const silent = createServer(() => undefined) // accepts TCP, never answers the upgrade
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as { port: number }).port
    const socket = new AuthSocket(`ws://127.0.0.1:${port}/`, {
      WebSocket,
      retryDelay: fastRetry,
      connectTimeout: 100,
      retryAttempts: 1,
      credentials: queryToken({ token: () => opaqueToken() }),
    })
    closeAfterTest(socket)
    const closes: number[] = []
    socket.on('close', (c) => closes.push(c.code))
    await expect(socket.ready).rejects.toMatchObject({ code: 'RETRIES_EXHAUSTED' })
    expect(closes).toHaveLength(2)
    silent.close()
  })

  it('reconnect() while open closes the socket and authenticates again with a fresh credential', async () => {
    server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
    const socket = new AuthSocket(server.url, {
      WebSocket,
      retryDelay: fastRetry,
      credentials: queryToken({ token: () => opaqueToken() }),
    })
    closeAfterTest(socket)
    await socket.ready
    socket.reconnect()
    expect(socket.state).toBe('reconnecting')
    await nextEvent(socket, 'authenticated')
    expect(server.connections).toHaveLength(2)
  })

  it('a WebSocket constructor that throws (an invalid subprotocol) fails the client cleanly; reconnect() works', async () => {
    server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
    let protocol = 'not valid'
    const bad = new AuthSocket(server.url, {
      WebSocket,
      credentials: { kind: 'custom', prepare: async (ctx) => ({ url: ctx.url, protocols: [protocol] }) },
    })
    closeAfterTest(bad)
    await expect(bad.ready).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
      message: expect.stringMatching(/constructor threw SyntaxError/),
    })
    protocol = 'fine'
    bad.reconnect()
    await bad.ready
    expect(server.connections).toHaveLength(1)
  })
})

describe('the reconnecting-websocket internals the transport relies on (pinned at 4.4.0)', () => {
  it('has the _wait and _connectLock the transport works around', async () => {
    const { default: RWS } = await import('reconnecting-websocket')
    const rws = new RWS('ws://127.0.0.1:1/', [], { WebSocket, startClosed: true }) as unknown as Record<string, unknown>
    expect(typeof rws._wait).toBe('function')
    expect(rws._connectLock).toBe(false)
    const pkg = (await import('reconnecting-websocket/package.json', { with: { type: 'json' } })).default as {
      version: string
    }
    expect(pkg.version).toBe('4.4.0')
  })
})
