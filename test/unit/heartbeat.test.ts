/**
 * The heartbeat (issue 11, first part): a dead or frozen connection is found within
 * `interval + timeout` and dropped at once; a busy or answering one never is; it runs only when
 * the server announces it or the option forces it. Before it, a frozen server kept the client
 * `open` for good (these tests then failed: no HEARTBEAT_TIMEOUT, no second connection).
 */
import { describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { startDemoServer } from '../../demo/server/app.js'
import { HeartbeatTimer } from '../../src/heartbeat.js'
import { AuthSocket, queryToken } from '../../src/index.js'
import { delay, nextEvent, until } from '../helpers/events.js'
import { closeAfterTest, openSocket } from '../helpers/fixture.js'
import { startServer, statusFrame, type Connection } from '../helpers/server.js'
import { track } from '../helpers/tokens.js'

const tcp = (conn: Connection) => (conn.socket as unknown as { _socket: import('node:net').Socket })._socket
const pings = (conn: Connection) => conn.received.filter((frame) => frame === '{"action":"ping"}').length
const fast = { interval: 100, timeout: 100 }

describe('heartbeat', () => {
  it(
    'a server that freezes (TCP up, nothing read or sent) is found within interval + timeout, ' +
      'dropped, and the client reconnects',
    async () => {
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
    },
  )

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
        conn.socket.on(
          'message',
          (data) => String(data) === '{"action":"ping"}' && conn.socket.send('{"action":"pong"}'),
        )
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
    const announcing = await startServer({
      onConnection: (conn) => conn.socket.send(statusFrame(200, { heartbeat: { interval: 1000, timeout: 1000 } })),
    })
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
    const { token } = (await (
      await fetch(`${server.url}/api/login`, {
        method: 'POST',
        body: JSON.stringify({ username: 'alice', password: 'alice' }),
      })
    ).json()) as { token: string }
    track(token)
    const socket = closeAfterTest(
      new AuthSocket(`${server.url.replace('http', 'ws')}/ws`, {
        WebSocket,
        origin: server.url,
        heartbeat: fast,
        credentials: queryToken({ token }),
      }),
    )
    await socket.ready
    await delay(500)
    expect(socket.state).toBe('open')
    await fetch(`${server.url}/test/freeze`, { method: 'POST', body: JSON.stringify({ ms: 1000 }) })
    expect((await nextEvent(socket, 'error', () => true, 2000)).code).toBe('HEARTBEAT_TIMEOUT')
  })
})

describe("Heartbeat on its own (a clock under the test's control)", () => {
  it('a timer that fires 60 s late probes first and is never taken for a death; death counts from the probe', () => {
    vi.useFakeTimers()
    try {
      const sent: number[] = []
      let dead = 0
      const beat = new HeartbeatTimer(
        { interval: 1000, timeout: 1000 },
        () => {
          sent.push(Date.now())
          return true
        },
        () => dead++,
      )
      vi.setSystemTime(Date.now() + 60_000) // the tab slept: the interval timer is now a minute late
      vi.advanceTimersByTime(1000)
      expect(sent).toHaveLength(1) // it probed
      expect(dead).toBe(0) // and did not declare death for the minute it slept
      expect(beat.woke).toBe(true) // a failure now was in the sleep: the next attempt goes at once
      vi.advanceTimersByTime(500)
      beat.heard() // the pong
      expect(beat.woke).toBe(false)
      vi.advanceTimersByTime(600)
      expect(dead).toBe(0)
      vi.advanceTimersByTime(1000) // silent again: a new probe, not death
      expect(sent).toHaveLength(2)
      expect(beat.woke).toBe(false) // that timer was on time
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
      const beat = new HeartbeatTimer(
        { interval: 60_000, timeout: 300 },
        () => true,
        () => dead++,
      )
      beat.heard() // the 200 frame, say
      beat.probe() // the page woke in the same millisecond
      vi.advanceTimersByTime(300)
      expect(dead).toBe(1)
      const alive = new HeartbeatTimer(
        { interval: 60_000, timeout: 300 },
        () => true,
        () => dead++,
      )
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
      const beat = new HeartbeatTimer(
        { interval: 1000, timeout: 1000 },
        () => true,
        () => dead++,
      )
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

/**
 * Chrome's intensive throttling, at its worst: every timer the heartbeat arms runs at the next
 * whole minute (so up to 60 s late), while the socket's frames arrive on time.
 */
describe('Heartbeat under intensive throttling (every timer it arms runs at the next whole minute)', () => {
  const MINUTE = 60_000
  const settings = { interval: 25_000, timeout: 10_000 }

  /**
   * `chained`: Chrome's own rule, where only a timer at the end of a chain of 5 (each armed from
   * the previous one's callback) waits for the minute; otherwise every timer the code under test
   * arms does.
   */
  function throttled(run: (at: (ms: number, fn: () => void) => void) => void, only: 'chained' | 'all' = 'all'): void {
    vi.useFakeTimers({ now: 0 })
    const unthrottled = globalThis.setTimeout
    // On time: what the test schedules (the network). Late: what the heartbeat schedules.
    const at = (ms: number, fn: () => void) => void unthrottled(fn, ms - Date.now())
    let level = 0 // the chain the running callback belongs to (0: not a timer's)
    const late = ((fn: () => void, ms = 0) => {
      const mine = level + 1
      const wait = only === 'all' || mine >= 5 ? Math.ceil((Date.now() + ms) / MINUTE) * MINUTE - Date.now() : ms
      return unthrottled(() => {
        level = mine
        try {
          fn()
        } finally {
          level = 0
        }
      }, wait)
    }) as typeof setTimeout
    globalThis.setTimeout = late
    try {
      run(at)
    } finally {
      globalThis.setTimeout = unthrottled
      vi.useRealTimers()
    }
  }

  it('a server that sends every 20 s is never declared dead in 30 minutes', () => {
    throttled((at) => {
      let dead = 0
      const beat = new HeartbeatTimer(
        settings,
        () => true,
        () => dead++,
      )
      for (let t = 20_000; t <= 30 * MINUTE; t += 20_000) at(t, () => beat.heard())
      vi.advanceTimersByTime(30 * MINUTE)
      expect(dead).toBe(0)
      beat.stop()
    })
  })

  it('a quiet server that answers each ping in 5 ms is never declared dead in 30 minutes, and is pinged', () => {
    throttled((at) => {
      let dead = 0
      const pings: number[] = []
      const beat = new HeartbeatTimer(
        settings,
        () => {
          pings.push(Date.now())
          at(Date.now() + 5, () => beat.heard())
          return true
        },
        () => dead++,
      )
      vi.advanceTimersByTime(30 * MINUTE)
      expect(dead).toBe(0)
      expect(pings.length).toBeGreaterThanOrEqual(29) // about one a minute: each ping went out when a late timer ran
      beat.stop()
    })
  })

  it('a server that goes silent is found at the first late timer after timeout of the unanswered probe', () => {
    throttled((at) => {
      let diedAt: number | undefined
      const pings: number[] = []
      let answering = true
      const beat = new HeartbeatTimer(
        settings,
        () => {
          pings.push(Date.now())
          answering && at(Date.now() + 5, () => beat.heard())
          return true
        },
        () => (diedAt = Date.now()),
      )
      at(10 * MINUTE + 1, () => (answering = false)) // dies just after a minute's ping was answered
      vi.advanceTimersByTime(20 * MINUTE)
      const probe = pings.find((t) => t > 10 * MINUTE)!
      expect(diedAt).toBeDefined()
      // Death counts from the probe really sent: timeout, plus one timer's lateness (under a minute).
      expect(diedAt! - probe).toBeGreaterThanOrEqual(settings.timeout)
      expect(diedAt! - probe).toBeLessThanOrEqual(settings.timeout + MINUTE)
      // From the last frame: interval and timeout, plus the lateness of the two timers they need.
      expect(diedAt! - 10 * MINUTE).toBeLessThanOrEqual(settings.interval + settings.timeout + 2 * MINUTE)
      beat.stop()
    })
  })

  it(
    "with Chrome's rule (a chain of 5 timers waits for the minute), a busy server that goes " +
      'silent is found within interval + timeout of its last frame: the frames re-arm the timer',
    () => {
      throttled((at) => {
        let diedAt: number | undefined
        const beat = new HeartbeatTimer(
          settings,
          () => true,
          () => (diedAt = Date.now()),
        )
        for (let t = 5_000; t <= 30 * MINUTE; t += 5_000) at(t, () => beat.heard()) // busy for 30 minutes, then silent
        vi.advanceTimersByTime(40 * MINUTE)
        // The previous build armed each timer from the last one: found up to two minutes late.
        expect(diedAt! - 30 * MINUTE).toBe(settings.interval + settings.timeout)
        beat.stop()
      }, 'chained')
    },
  )
})
