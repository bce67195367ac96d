/**
 * The persistent outbox's options and its fallback, in Node: Node has no IndexedDB, so a client
 * with `persist` says so once (PERSIST_FAILED) and goes on in memory, sending everything. What it
 * keeps across reloads is tested in Chromium (test/e2e/persist.spec.ts).
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AuthSocketError, BaseAuthSocket, Delivery, PersistentOutbox, queryToken } from '../../src/index.js'
import { fastRetry, until } from '../helpers/events.js'
import { closeAfterTest, openSocket } from '../helpers/fixture.js'
import { startServer, statusFrame } from '../helpers/server.js'
import { opaqueToken } from '../helpers/tokens.js'

/** A server that acknowledges every numbered message. */
const acknowledging = () =>
  startServer({
    onConnection(conn) {
      conn.socket.send(statusFrame(200, { ack: true }))
      conn.socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { action?: string; seq?: number }
        if (frame.action === 'message') conn.socket.send(`{"action":"ack","seq":${frame.seq}}`)
      })
    },
  })

describe('persistent outbox', () => {
  it.each([
    [{ persist: '' }, /Option `persist` must be a name/],
    [{ persist: { name: 'x', maxAge: -1 } }, /persist\.maxAge/],
    [{ persist: 'x', acks: false }, /Option `persist` needs acknowledged sends/],
  ])('bad options %o: INVALID_OPTIONS that says what to pass', (options, message) => {
    expect(() =>
      openSocket('ws://127.0.0.1:1/', { autoConnect: false, features: [PersistentOutbox], ...options }),
    ).toThrow(message)
  })

  it('PersistentOutbox without Delivery: INVALID_OPTIONS that says to add it', () => {
    const make = () =>
      new BaseAuthSocket('ws://127.0.0.1:1/', {
        WebSocket,
        autoConnect: false,
        credentials: queryToken({ token: () => opaqueToken() }),
        features: [PersistentOutbox],
      })
    expect(make).toThrow(AuthSocketError)
    expect(make).toThrow(/PersistentOutbox feature needs the Delivery feature/)
  })

  it('no IndexedDB (Node): one PERSIST_FAILED error, and every message is still sent and acknowledged', async () => {
    const server = await acknowledging()
    const socket = openSocket(server.url, { persist: 'chat', features: [PersistentOutbox] })
    const errors: AuthSocketError[] = []
    socket.on('error', (error) => errors.push(error))
    const receipts = Array.from({ length: 5 }, (_, n) => socket.send({ n }))
    await Promise.all(receipts.map((receipt) => receipt.acked))
    expect(errors.map((error) => error.code)).toEqual(['PERSIST_FAILED'])
    expect(errors[0]!.message).toMatch(/Persistent outbox "chat": could not keep messages .*in memory only/)
    const conn = await server.connection(1)
    expect(conn.received.slice(1).map((frame) => JSON.parse(frame).data)).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })))
    socket.send({ n: 5 })
    await until(() => conn.received.length === 7)
    expect(errors).toHaveLength(1)
  })

  it('BaseAuthSocket with Delivery and PersistentOutbox behaves the same', async () => {
    const server = await acknowledging()
    const socket = closeAfterTest(
      new BaseAuthSocket(server.url, {
        WebSocket,
        retryDelay: fastRetry,
        credentials: queryToken({ token: () => opaqueToken() }),
        features: [Delivery, PersistentOutbox],
        persist: 'chat',
      }),
    )
    const codes: string[] = []
    socket.on('error', (error) => codes.push(error.code))
    await socket.send({ n: 1 }).acked
    expect(codes).toEqual(['PERSIST_FAILED'])
  })
})
