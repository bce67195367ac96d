/**
 * The page lifecycle (issue 15), driven directly: the test gives Node a `document`, a window
 * and a `navigator` whose events it fires itself, against a real `ws` server. The browser's own
 * back/forward cache is tested in Chromium (test/e2e/page-lifecycle.spec.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { delay, until } from '../helpers/events.js'
import { openSocket } from '../helpers/fixture.js'
import { startServer, statusFrame } from '../helpers/server.js'

/** A counting EventTarget: what is listened to now. */
class Target extends EventTarget {
  readonly listening = new Map<string, number>()
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void {
    this.listening.set(type, (this.listening.get(type) ?? 0) + 1)
    super.addEventListener(type, listener, options)
  }
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: EventListenerOptions | boolean,
  ): void {
    this.listening.set(type, (this.listening.get(type) ?? 0) - 1)
    super.removeEventListener(type, listener, options)
  }
  get count(): number {
    return [...this.listening.values()].reduce((a, b) => a + b, 0)
  }
}

const globals = globalThis as unknown as Record<string, unknown>
const saved = ['document', 'navigator', 'addEventListener', 'removeEventListener', 'dispatchEvent'].map(
  (name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const,
)

/** Makes this process look like a page: `document`, window events on globalThis, `navigator.onLine`. */
function page() {
  const doc = Object.assign(new Target(), { visibilityState: 'visible' })
  const win = new Target()
  const navigator = { onLine: true }
  Object.defineProperty(globalThis, 'document', { value: doc, configurable: true, writable: true })
  Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true, writable: true })
  globals.addEventListener = win.addEventListener.bind(win)
  globals.removeEventListener = win.removeEventListener.bind(win)
  globals.dispatchEvent = win.dispatchEvent.bind(win)
  const fire = (target: EventTarget, type: string, extra: object = {}) =>
    target.dispatchEvent(Object.assign(new Event(type), extra))
  return { doc, win, navigator, fire }
}

afterEach(() => {
  for (const [name, descriptor] of saved) {
    if (descriptor) Object.defineProperty(globalThis, name, descriptor)
    else delete globals[name]
  }
})

const accepting = () => startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })

/**
 * A client with a 5 s backoff whose credential is numbered (`?token=t1`, `t2`...), and what it reports: errors and
 * waits.
 */
async function watched() {
  const server = await accepting()
  let tokens = 0
  const socket = openSocket(server.url, {
    retryDelay: () => 5000,
    credentials: {
      kind: 'counted',
      prepare: async (ctx) => ({ url: `${ctx.url}?token=t${++tokens}`, secretParams: ['token'] }),
    },
  })
  const seen: string[] = []
  socket.on('error', (e) => seen.push(`error ${e.code}`))
  socket.on('waiting', ({ until }) => seen.push(`waiting ${until}`))
  return { server, socket, seen }
}

describe('the page lifecycle', () => {
  it(
    'back/forward cache: pagehide closes cleanly (1000, no error) and holds the outbox; ' +
      'pageshow reconnects at once with a fresh credential',
    async () => {
      const { win, fire } = page()
      const { server, socket, seen } = await watched()
      await socket.ready
      const first = await server.connection(1)
      const closedAtServer = new Promise<number>((resolve) => first.socket.once('close', (code) => resolve(code)))
      fire(win, 'pagehide', { persisted: true })
      expect(await closedAtServer).toBe(1000)
      socket.send({ n: 1 }) // in the gap: held, never written to the old socket
      await delay(300)
      expect(server.connections).toHaveLength(1) // no attempt while cached
      expect(socket.state).toBe('reconnecting')
      const shownAt = Date.now()
      fire(win, 'pageshow', { persisted: true })
      const second = await server.connection(2)
      expect(Date.now() - shownAt).toBeLessThan(200) // at once: the 5 s backoff is not waited
      expect(JSON.parse(await second.next())).toEqual({ n: 1 })
      expect(second.url.searchParams.get('token')).toBe('t2')
      expect(first.received).toEqual([])
      expect(seen).toEqual(['waiting pageshow'])
    },
  )

  it('bfcache: false leaves pagehide and freeze alone', async () => {
    const { doc, win, fire } = page()
    const server = await accepting()
    const socket = openSocket(server.url, { bfcache: false })
    await socket.ready
    fire(win, 'pagehide', { persisted: true })
    fire(doc, 'freeze')
    await delay(200)
    expect(socket.state).toBe('open')
    expect(win.listening.get('pagehide') ?? 0).toBe(0)
    expect(doc.listening.get('freeze') ?? 0).toBe(0)
  })

  it(
    "into the cache a page is hidden, then frozen; out of it, resumed, then shown (Chromium's " +
      'order): one close, one wait, one reconnect',
    async () => {
      const { doc, win, fire } = page()
      const server = await accepting()
      const socket = openSocket(server.url, { retryDelay: () => 5000 })
      const seen: string[] = []
      socket.on('waiting', ({ until }) => seen.push(`waiting ${until}`))
      socket.on('close', ({ reason }) => seen.push(`close ${reason}`))
      socket.on('connecting', () => seen.push('connecting'))
      await socket.ready
      fire(win, 'pagehide', { persisted: true })
      fire(doc, 'freeze')
      await delay(100)
      fire(doc, 'resume')
      await delay(100)
      expect(server.connections).toHaveLength(1) // resumed, not shown yet: still in the cache
      fire(win, 'pageshow', { persisted: true })
      await server.connection(2)
      await until(() => socket.state === 'open')
      expect(seen).toEqual(['connecting', 'waiting pageshow', 'close page hidden', 'connecting'])
    },
  )

  it('offline: no attempt while the browser says so, one at once on online', async () => {
    const { navigator, win, fire } = page()
    const server = await accepting()
    const socket = openSocket(server.url, { retryDelay: () => 50 })
    const waiting: string[] = []
    socket.on('waiting', ({ until }) => waiting.push(until))
    await socket.ready
    navigator.onLine = false
    for (const conn of server.connections) conn.socket.terminate() // the network went with it
    await delay(1000)
    // attempts made while offline: 0 (a retry every 50 ms would have made ~20)
    expect(server.connections).toHaveLength(1)
    expect(waiting).toEqual(['online'])
    navigator.onLine = true
    const onlineAt = Date.now()
    fire(win, 'online')
    await server.connection(2)
    await until(() => socket.state === 'open')
    expect(Date.now() - onlineAt).toBeLessThan(200)
  })

  it(
    'freeze: closes cleanly (1000, no error), holds the outbox, makes no attempt until resume, ' +
      'then reconnects at once with a fresh credential',
    async () => {
      const { doc, fire } = page()
      const { server, socket, seen } = await watched()
      socket.on('close', ({ code, reason }) => seen.push(`close ${code} ${reason}`))
      await socket.ready
      const first = await server.connection(1)
      const closedAtServer = new Promise<number>((resolve) => first.socket.once('close', (code) => resolve(code)))
      fire(doc, 'freeze')
      expect(await closedAtServer).toBe(1000) // Chromium would have cut it: the server would see 1001
      socket.send({ n: 1 })
      fire(doc, 'visibilitychange') // still hidden: not a wake
      await delay(300)
      expect(server.connections).toHaveLength(1)
      const resumedAt = Date.now()
      fire(doc, 'resume')
      const second = await server.connection(2)
      expect(Date.now() - resumedAt).toBeLessThan(200) // not the 5 s backoff
      expect(JSON.parse(await second.next())).toEqual({ n: 1 })
      expect(second.url.searchParams.get('token')).toBe('t2')
      expect(seen).toEqual(['waiting resume', 'close 1000 page frozen']) // close comes when the socket has closed
    },
  )

  it('navigator.onLine stuck at false (it can be wrong) holds an attempt back for 60 s at most, then tries anyway: no wedge', async () => {
    const { navigator } = page()
    const server = await accepting()
    // The clock under the test's control: the 60 s wait is asked for, and made to pass in 100 ms.
    const asked: number[] = []
    const real = globalThis.setTimeout
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      ms === 60_000 && asked.push(ms)
      return real(fn, ms === 60_000 ? 100 : ms)
    }) as typeof setTimeout)
    const socket = openSocket(server.url, { retryDelay: () => 5 })
    const waiting: string[] = []
    socket.on('waiting', ({ until }) => waiting.push(until))
    await socket.ready
    navigator.onLine = false // and it stays false, while the server is reachable
    const droppedAt = Date.now()
    server.connections[0]!.socket.terminate()
    await server.connection(2) // the previous build waited for an online event that never came
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(100) // not at once: it waited the (shortened) 60 s
    await until(() => socket.state === 'open')
    vi.restoreAllMocks()
    expect(waiting).toEqual(['online'])
    expect(asked).toEqual([60_000])
  })

  it(
    'a wake (visible, resume, online) while open probes at once: a dead connection is found ' +
      'within the timeout, not after the interval, and the next attempt does not back off',
    async () => {
      const { doc, fire } = page()
      // answers no ping: dead once asked
      const server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
      const socket = openSocket(server.url, { heartbeat: { interval: 60_000, timeout: 300 }, retryDelay: () => 5000 })
      await socket.ready
      const died: number[] = []
      socket.on('error', (e) => e.code === 'HEARTBEAT_TIMEOUT' && died.push(Date.now()))
      const wokeAt = Date.now()
      fire(doc, 'resume')
      await until(() => died.length > 0, 2000, 'the probe to go unanswered')
      expect(died[0]! - wokeAt).toBeLessThan(300 + 300)
      expect(JSON.parse(server.connections[0]!.received[0]!)).toEqual({ action: 'ping' })
      await server.connection(2)
      expect(Date.now() - died[0]!).toBeLessThan(300) // the previous build waited the 5 s backoff
    },
  )

  it(
    'a wake while open, against a server that closed the connection in the sleep (its answer ' +
      'to the probe is a reset): open again at once, no backoff',
    async () => {
      const { doc, fire } = page()
      let asleep = true
      const server = await startServer({
        onConnection: (conn) => {
          conn.socket.send(statusFrame(200))
          conn.socket.on(
            'message',
            () =>
              asleep && (conn.socket as unknown as { _socket: import('node:net').Socket })._socket.resetAndDestroy(),
          )
        },
      })
      const socket = openSocket(server.url, { heartbeat: { interval: 60_000, timeout: 5000 }, retryDelay: () => 5000 })
      await socket.ready
      const opened: number[] = []
      socket.on('authenticated', () => opened.push(Date.now()))
      const wokeAt = Date.now()
      fire(doc, 'resume')
      await server.connection(2)
      asleep = false
      await until(() => opened.length === 1, 2000, 'open again')
      expect(opened[0]! - wokeAt).toBeLessThan(300) // the previous build: the reset, then a 5 s backoff
    },
  )

  it('a wake while reconnecting ends the backoff at once', async () => {
    const { doc, fire } = page()
    let refuse = true
    const server = await startServer({
      onConnection: (conn) => (refuse ? conn.socket.terminate() : conn.socket.send(statusFrame(200))),
    })
    const socket = openSocket(server.url, { retryDelay: () => 30_000 })
    await server.connection(1)
    await until(() => socket.state === 'reconnecting')
    refuse = false
    doc.visibilityState = 'visible'
    const wokeAt = Date.now()
    fire(doc, 'visibilitychange')
    await socket.ready
    expect(Date.now() - wokeAt).toBeLessThan(300)
  })

  it('a backoff timer that fires over 5 s late (the machine slept) starts the backoff again: the next retry is retry 1', async () => {
    const server = await startServer({ onConnection: (conn) => conn.socket.terminate() }) // down: every attempt fails
    const retries: number[] = []
    const socket = openSocket(server.url, {
      retryDelay: (n) => {
        retries.push(n)
        return n === 4 ? 300 : 5
      },
    })
    await until(() => retries.length === 4, 3000, 'four failures')
    const now = Date.now
    vi.spyOn(Date, 'now').mockImplementation(() => now() + 3_600_000) // an hour passes during the 300 ms wait
    for (const end = performance.now() + 3000; retries.length < 5 && performance.now() < end;) await delay(10)
    vi.restoreAllMocks()
    socket.close()
    expect(retries.slice(0, 5)).toEqual([1, 2, 3, 4, 1])
  })

  it('every listener it adds is removed on close(); with no document (Node, a worker) none is added to the page', async () => {
    const { doc, win } = page()
    const server = await accepting()
    const socket = openSocket(server.url)
    await socket.ready
    expect(doc.count + win.count).toBeGreaterThan(0)
    socket.close()
    expect(doc.count).toBe(0)
    expect(win.count).toBe(0)
  })
})
