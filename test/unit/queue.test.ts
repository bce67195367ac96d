import { describe, expect, it } from 'vitest'
import { AuthSocketError, firstMessage } from '../../src/index.js'
import { delay, nextEvent, until } from '../helpers/events.js'
import { record } from '../helpers/leak-check.js'
import { startServer, statusFrame, type TestServer } from '../helpers/server.js'
import { opaqueToken } from '../helpers/tokens.js'
import { openSocket } from '../helpers/fixture.js'

let server: TestServer | undefined
type Msg = { n: number }

describe('outgoing queue', () => {
  it('holds messages until authenticated, then flushes them in order; nothing reaches the server before', async () => {
    const receivedBeforeVerdict: number[] = []
    server = await startServer({
      onConnection(conn) {
        setTimeout(() => {
          receivedBeforeVerdict.push(conn.received.length)
          conn.socket.send(statusFrame(200))
        }, 100)
      },
    })
    const socket = openSocket<Msg, Msg>(server.url)
    for (let n = 1; n <= 5; n++) socket.send({ n })
    expect(socket.queued).toBe(5)
    await socket.ready
    const conn = await server.connection(1)
    await until(() => conn.received.length === 5)
    expect(receivedBeforeVerdict).toEqual([0])
    expect(conn.received.map((f) => JSON.parse(f).n)).toEqual([1, 2, 3, 4, 5])
    expect(socket.queued).toBe(0)
  })

  it('the first-message auth frame always goes first', async () => {
    const token = opaqueToken()
    server = await startServer({
      onConnection: async (conn) => {
        await conn.next()
        conn.socket.send(statusFrame(200))
      },
    })
    const socket = openSocket<Msg, Msg>(server.url, { credentials: firstMessage({ token }) })
    socket.send({ n: 1 })
    await socket.ready
    const conn = await server.connection(1)
    await until(() => conn.received.length === 2)
    expect(JSON.parse(conn.received[0]!)).toEqual({ action: 'authenticate', payload: { token } })
  })

  it('overflow is a typed QUEUE_FULL error to the caller; what was queued is still delivered', async () => {
    server = await startServer({ onConnection: (conn) => setTimeout(() => conn.socket.send(statusFrame(200)), 50) })
    const socket = openSocket<Msg, Msg>(server.url, { maxQueueSize: 3 })
    socket.send({ n: 1 })
    socket.send({ n: 2 })
    socket.send({ n: 3 })
    let thrown: unknown
    try {
      socket.send({ n: 4 })
    } catch (error) {
      thrown = error
      record(error)
    }
    expect(thrown).toBeInstanceOf(AuthSocketError)
    expect((thrown as AuthSocketError).code).toBe('QUEUE_FULL')
    expect((thrown as Error).message).toMatch(/raise maxQueueSize/)
    await socket.ready
    const conn = await server.connection(1)
    await until(() => conn.received.length === 3)
    expect(conn.received.map((f) => JSON.parse(f).n)).toEqual([1, 2, 3])
  })

  it('messages sent while reconnecting are delivered, in order, after the next authentication', async () => {
    server = await startServer({ onConnection: (conn) => setTimeout(() => conn.socket.send(statusFrame(200)), 30) })
    const socket = openSocket<Msg, Msg>(server.url)
    await socket.ready
    socket.send({ n: 1 })
    const first = await server.connection(1)
    await until(() => first.received.length === 1)
    first.socket.terminate()
    await nextEvent(socket, 'state', (s) => s.state === 'reconnecting')
    for (let n = 2; n <= 6; n++) socket.send({ n })
    await nextEvent(socket, 'authenticated')
    const second = await server.connection(2)
    await until(() => second.received.length === 5)
    expect(second.received.map((f) => JSON.parse(f).n)).toEqual([2, 3, 4, 5, 6])
  })

  it('send() after close() throws NOT_CONNECTED and says what to do; the queue survives for reconnect()', async () => {
    server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
    const socket = openSocket<Msg, Msg>(server.url, { autoConnect: false })
    socket.send({ n: 1 })
    socket.close()
    expect(() => socket.send({ n: 2 })).toThrow(/Call reconnect\(\) first/)
    expect(() => socket.send({ n: 2 })).toThrow(expect.objectContaining({ code: 'NOT_CONNECTED' }))
    socket.reconnect()
    await socket.ready
    const conn = await server.connection(1)
    await until(() => conn.received.length === 1)
    expect(JSON.parse(conn.received[0]!)).toEqual({ n: 1 })
  })

  it('send() on a failed socket names the cause', async () => {
    server = await startServer({ onConnection: (conn) => conn.socket.close(4003) })
    const socket = openSocket<Msg, Msg>(server.url)
    await socket.ready.catch(() => undefined)
    expect(() => socket.send({ n: 1 })).toThrow(/failed socket \(FORBIDDEN\)/)
  })

  it('a message that cannot be serialized is a SERIALIZE_FAILED error to the caller', async () => {
    server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
    const socket = openSocket<Msg, Msg>(server.url)
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => socket.send(cyclic as never)).toThrow(expect.objectContaining({ code: 'SERIALIZE_FAILED' }))
    await socket.ready
    await delay(10)
  })
})
