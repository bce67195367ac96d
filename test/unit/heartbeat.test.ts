/**
 * The heartbeat (issue 11, first part): a dead or frozen connection is found within
 * `interval + timeout` and dropped at once; a busy or answering one never is; it runs only when
 * the server announces it or the option forces it. Before it, a frozen server kept the client
 * `open` for good (these tests then failed: no HEARTBEAT_TIMEOUT, no second connection).
 */
import { describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { startDemoServer } from '../../demo/server/app.js'
import { Heartbeat } from '../../src/heartbeat.js'
import { AuthSocket, queryToken } from '../../src/index.js'
import { delay, nextEvent, until } from '../helpers/events.js'
import { closeAfterTest, openSocket } from '../helpers/fixture.js'
import { startServer, statusFrame, type Connection } from '../helpers/server.js'
import { track } from '../helpers/tokens.js'

const tcp = (conn: Connection) => (conn.socket as unknown as { _socket: import('node:net').Socket })._socket
const pings = (conn: Connection) => conn.received.filter((frame) => frame === '{"action":"ping"}').length
const fast = { interval: 100, timeout: 100 }

describe('heartbeat', () => {
  it('a server that freezes (TCP up, nothing read or sent) is found within interval + timeout, dropped, and the client reconnects', async () => {
    const server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
    const socket = openSocket(server.url, { heartbeat: fast })
    await socket.ready
    const frozenAt = Date.now()
    tcp(await server.connection(1)).pause()
    const error = await nextEvent(socket, 'error', () => true, 3000)
    const detected = Date.now() - frozenAt
    expect(error.code).toBe('HEARTBEAT_TIMEOUT')
    expect(detected).toBeLessThan(fast.interval + fast.timeout + 150)
    await nextEvent(socket, 'authenticated')
    expect(server.connections).toHaveLength(2)
  })

  it('any frame counts as life: a busy server that never answers pings is never declared dead', async () => {
    const server = await startServer({
      onConnection(conn) {
        conn.socket.send(statusFrame(200))
        const timer = setInterval(() => conn.socket.send('{"tick":1}'), 40)
        conn.socket.on('close', () => clearInterval(timer))
      },
    })
    const socket = openSocket(server.url, { heartbeat: fast })
    const codes: string[] = []
    socket.on('error', (e) => codes.push(e.code))
    await socket.ready
    await delay(800)
    expect(codes).toEqual([])
    expect(pings(await server.connection(1))).toBe(0) // never silent for an interval: no ping needed
  })

  it('a quiet server that answers pings stays open; the pong never reaches message listeners', async () => {
    const server = await startServer({
      onConnection(conn) {
        conn.socket.send(statusFrame(200))
        conn.socket.on('message', (data) => String(data) === '{"action":"ping"}' && conn.socket.send('{"action":"pong"}'))
      },
    })
    const socket = openSocket(server.url, { heartbeat: fast })
    const messages: unknown[] = []
    socket.on('message', (m) => messages.push(m))
    await socket.ready
    await delay(800)
    expect(socket.state).toBe('open')
    expect(pings(await server.connection(1))).toBeGreaterThanOrEqual(3)
    expect(messages).toEqual([])
    expect(server.connections).toHaveLength(1)
  })

  it('runs when the 200 frame announces it (with its timings), not otherwise, and never with heartbeat: false', async () => {
    const announcing = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200, { heartbeat: { interval: 1000, timeout: 1000 } })) })
    const silent = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
    const on = openSocket(announcing.url)
    const off = openSocket(announcing.url, { heartbeat: false })
    const unannounced = openSocket(silent.url)
    await Promise.all([on.ready, off.ready, unannounced.ready])
    await until(() => announcing.connections.length === 2)
    await delay(1300)
    const [first, second] = [announcing.connections[0]!, announcing.connections[1]!]
    expect(pings(first) + pings(second)).toBe(1) // only `on` pinged, once, after 1 s of silence
    expect(pings(silent.connections[0]!)).toBe(0)
  })

  it('the reference server announces it and answers pings; a frozen reference server is found', async () => {
    const server = closeAfterTest(await startDemoServer({ port: 0, testMode: true, log: () => undefined }))
    const { token } = (await (await fetch(`${server.url}/api/login`, { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'alice' }) })).json()) as { token: string }
    track(token)
    const socket = closeAfterTest(new AuthSocket(`${server.url.replace('http', 'ws')}/ws`, { WebSocket, origin: server.url, heartbeat: fast, credentials: queryToken({ token }) }))
    await socket.ready
    await delay(500)
    expect(socket.state).toBe('open')
    await fetch(`${server.url}/test/freeze`, { method: 'POST', body: JSON.stringify({ ms: 1000 }) })
    expect((await nextEvent(socket, 'error', () => true, 2000)).code).toBe('HEARTBEAT_TIMEOUT')
  })
})

describe('Heartbeat on its own (a clock under the test\'s control)', () => {
  it('a timer that fires 60 s late probes first and is never taken for a death; death counts from the probe', () => {
    vi.useFakeTimers()
    try {
      const sent: number[] = []
      let dead = 0
      const beat = new Heartbeat({ interval: 1000, timeout: 1000 }, () => (sent.push(Date.now()), true), () => dead++)
      vi.setSystemTime(Date.now() + 60_000) // the tab slept: the interval timer is now a minute late
      vi.advanceTimersByTime(1000)
      expect(sent).toHaveLength(1) // it probed
      expect(dead).toBe(0) // and did not declare death for the minute it slept
      vi.advanceTimersByTime(500)
      beat.heard() // the pong
      vi.advanceTimersByTime(600)
      expect(dead).toBe(0)
      vi.advanceTimersByTime(1000) // silent again: a new probe, not death
      expect(sent).toHaveLength(2)
      vi.advanceTimersByTime(1000) // no answer within the timeout of the probe: dead
      expect(dead).toBe(1)
      beat.stop()
    } finally {
      vi.useRealTimers()
    }
  })

  it('a frame heard in the same millisecond as the probe is not its answer: only a frame after the probe is', () => {
    vi.useFakeTimers()
    try {
      let dead = 0
      const beat = new Heartbeat({ interval: 60_000, timeout: 300 }, () => true, () => dead++)
      beat.heard() // the 200 frame, say
      beat.probe() // the page woke in the same millisecond
      vi.advanceTimersByTime(300)
      expect(dead).toBe(1)
      const alive = new Heartbeat({ interval: 60_000, timeout: 300 }, () => true, () => dead++)
      alive.probe()
      alive.heard() // the pong, in the same millisecond on a fast link
      vi.advanceTimersByTime(300)
      expect(dead).toBe(1)
      beat.stop()
      alive.stop()
    } finally {
      vi.useRealTimers()
    }
  })

  it('a clock set back an hour does not postpone the death of a silent connection by an hour', () => {
    vi.useFakeTimers()
    try {
      let dead = 0
      const beat = new Heartbeat({ interval: 1000, timeout: 1000 }, () => true, () => dead++)
      vi.advanceTimersByTime(1000) // silent for the interval: a probe
      vi.setSystemTime(Date.now() - 3_600_000) // then the clock goes back an hour
      vi.advanceTimersByTime(2000)
      expect(dead).toBe(1)
      beat.stop()
    } finally {
      vi.useRealTimers()
    }
  })
})
