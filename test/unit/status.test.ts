/** The status store: the subscribe + snapshot pair React's useSyncExternalStore and Svelte's store contract take. */
import { describe, expect, it } from 'vitest'
import type { SocketStatus } from '../../src/index.js'
import { delay, until } from '../helpers/events.js'
import { openSocket } from '../helpers/fixture.js'
import { startServer, statusFrame } from '../helpers/server.js'

describe('socket.store', () => {
  it('calls a subscriber at once, then once per change, with a new frozen snapshot only when something changed', async () => {
    const server = await startServer({
      onConnection: (conn) =>
        setTimeout(
          () => conn.socket.send(statusFrame(200, { user: { name: 'alice' }, expires_at: Date.now() / 1000 + 3600 })),
          50,
        ),
    })
    const socket = openSocket(server.url, { autoConnect: false })
    const { subscribe, getSnapshot } = socket.store // bound: usable detached, as React and Svelte use them
    const seen: SocketStatus[] = []
    const off = subscribe((status) => seen.push(status))
    expect(seen).toEqual([{ state: 'idle', error: undefined, user: undefined, expiresAt: undefined, queued: 0 }])
    expect(getSnapshot()).toBe(getSnapshot())
    socket.send({ n: 1 })
    expect(getSnapshot().queued).toBe(1)
    socket.connect()
    await socket.ready
    await until(() => getSnapshot().queued === 0)
    const last = getSnapshot()
    expect(last).toMatchObject({ state: 'open', user: { name: 'alice' }, error: undefined, queued: 0 })
    expect(last.expiresAt).toBeGreaterThan(Date.now() + 3_500_000)
    expect(Object.isFrozen(last)).toBe(true)
    // connecting (with the queued message: read already, not yet heard), open, then the user and expiry (the
    // authenticated event), then the flushed queue
    expect(seen.map((s) => s.state)).toEqual(['idle', 'connecting', 'authenticating', 'open', 'open', 'open'])
    expect(seen[1]!.queued).toBe(1)
    off()
    socket.close()
    expect(seen.at(-1)).toBe(last) // unsubscribed: no more calls
  })

  it('the outbox size: a read sees every send at once; subscribers hear a burst of sends once, when the task ends', async () => {
    const socket = openSocket('ws://127.0.0.1:9/', { autoConnect: false })
    const heard: number[] = []
    socket.store.subscribe((status) => heard.push(status.queued))
    for (let n = 1; n <= 100; n++) socket.send({ n })
    expect(socket.store.getSnapshot().queued).toBe(100)
    expect(heard).toEqual([0])
    await Promise.resolve()
    expect(heard).toEqual([0, 100])
    socket.close()
  })

  it('keeps the last error until the next authentication', async () => {
    const server = await startServer({
      onConnection: (conn) =>
        server.connections.length === 1 ? conn.socket.close(4001) : conn.socket.send(statusFrame(200)),
    })
    const errors: (string | undefined)[] = []
    const failing = openSocket(server.url, {
      retryDelay: () => 50,
      classify: () => {
        throw new Error('x')
      },
    })
    failing.store.subscribe((s) => errors.push(s.error?.code))
    await failing.ready
    expect(errors).toContain('CALLBACK_FAILED')
    expect(failing.store.getSnapshot().error).toBeUndefined()
  })

  it('a subscriber that throws is reported as LISTENER_FAILED, once per change, never in a loop', async () => {
    const server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
    const socket = openSocket(server.url, { autoConnect: false })
    let calls = 0
    socket.store.subscribe(() => {
      calls++
      if (calls > 1) throw new Error('bad subscriber')
    })
    const codes: string[] = []
    socket.on('error', (e) => codes.push(e.code))
    socket.connect()
    await socket.ready
    await delay(20)
    expect(socket.state).toBe('open')
    expect(codes.every((code) => code === 'LISTENER_FAILED')).toBe(true)
    expect(calls).toBeLessThan(20)
  })
})
