/**
 * In Node the sends of one task leave in one system call (issue 24, the hot path): the transport
 * corks `ws`'s TCP socket at a task's first send and uncorks it when the task ends. A burst of
 * 200 messages is then one write of the TCP socket instead of 200; the server gets every one, in
 * order; a send in a later task is written in that task.
 */
import type { Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AuthSocket, queryToken } from '../../src/index.js'
import { fastRetry, until } from '../helpers/events.js'
import { closeAfterTest } from '../helpers/fixture.js'
import { startServer, statusFrame } from '../helpers/server.js'
import { opaqueToken } from '../helpers/tokens.js'

/** Counts the writes that reach the TCP socket of every `ws` client this class makes. */
function countingWebSocket() {
  const counts = { writes: 0 }
  class Counting extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args)
      this.once('open', () => {
        type Write = (...args: unknown[]) => unknown
        const tcp = (this as unknown as { _socket: Socket & { _write: Write; _writev: Write } })._socket
        const write = tcp._write.bind(tcp)
        const writev = tcp._writev.bind(tcp)
        tcp._write = (...a: unknown[]) => {
          counts.writes++
          return write(...a)
        }
        tcp._writev = (...a: unknown[]) => {
          counts.writes++
          return writev(...a)
        }
      })
    }
  }
  return { Counting, counts }
}

describe('batched writes (Node)', () => {
  it('200 sends in one task are one write of the TCP socket; the server gets all 200 in order', async () => {
    const server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
    const { Counting, counts } = countingWebSocket()
    const socket = closeAfterTest(
      new AuthSocket(server.url, {
        WebSocket: Counting as unknown as typeof WebSocket,
        retryDelay: fastRetry,
        credentials: queryToken({ token: () => opaqueToken() }),
      }),
    )
    await socket.ready
    await new Promise((resolve) => setTimeout(resolve, 20)) // nothing else in flight
    const before = counts.writes
    for (let n = 1; n <= 200; n++) socket.send({ n })
    const conn = await server.connection(1)
    await until(() => conn.received.length === 200)
    expect(counts.writes - before).toBe(1)
    expect(conn.received.map((text) => (JSON.parse(text) as { n: number }).n)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    )
    // A send in a later task goes in that task, alone.
    socket.send({ n: 201 })
    await until(() => conn.received.length === 201)
    expect(counts.writes - before).toBe(2)
  })
})
