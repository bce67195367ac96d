/**
 * `shareSocket` in Node: several AuthSockets in one process act as tabs, with Node's real
 * BroadcastChannel and in-process Web Locks (test/helpers/locks.ts), against the reference server
 * in the same process. Chromium runs the same with real tabs (test/e2e/shared-socket.spec.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startDemoServer } from '../../demo/server/app.js'
import { AuthSocket, AuthSocketError, ticket } from '../../src/index.js'
import { Journal } from '../../src/journal.js'
import { decodeEvent, encodeEvent } from '../../src/tab-notes.js'
import { AuthRejectedError } from '../../src/errors.js'
import { until } from '../helpers/events.js'
import { closeAfterTest } from '../helpers/fixture.js'
import { installLocks } from '../helpers/locks.js'

let uninstall: () => void
beforeEach(() => (uninstall = installLocks()))
afterEach(() => uninstall())

async function group(
  count: number,
  options: { user?: string; path?: string; name?: string; maxQueueSize?: number } = {},
) {
  const server = closeAfterTest(await startDemoServer({ port: 0, testMode: true, log: () => undefined }))
  const user = options.user ?? 'alice'
  const { token } = (await (
    await fetch(`${server.url}/api/login`, { method: 'POST', body: JSON.stringify({ username: user, password: user }) })
  ).json()) as { token: string }
  const tabs: AuthSocket<any, any>[] = []
  for (let i = 0; i < count; i++) {
    tabs.push(
      closeAfterTest(
        new AuthSocket(`${server.url.replace('http', 'ws')}${options.path ?? '/ws'}`, {
          WebSocket,
          origin: server.url,
          shareSocket: options.name ?? 'node-tabs',
          maxQueueSize: options.maxQueueSize,
          credentials: ticket({ endpoint: `${server.url}/api/ws-ticket`, token }),
        }),
      ),
    )
  }
  return { server, tabs }
}

const echoes = (socket: AuthSocket<any, any>, stream: string) => {
  const seen: number[] = []
  socket.on(
    'message',
    (m: { type?: string; data?: { stream?: string; n: number } }) =>
      m.type === 'echo' && m.data?.stream === stream && seen.push(m.data.n),
  )
  return seen
}

describe('shareSocket (Node tabs)', () => {
  it('three tabs, one socket: every tab is open, a follower send is acknowledged, and its echo reaches every tab', async () => {
    const { server, tabs } = await group(3)
    await Promise.all(tabs.map((tab) => tab.ready))
    expect(tabs.map((tab) => tab.state)).toEqual(['open', 'open', 'open'])
    expect(server.stats().peakSockets).toBe(1)
    const seen = tabs.map((tab) => echoes(tab, 'node'))
    await tabs[2]!.send({ stream: 'node', n: 1 }).acked
    expect(tabs[2]!.queued).toBe(0)
    await until(() => seen.every((s) => s.length === 1))
    expect(seen).toEqual([[1], [1], [1]])
    expect(server.stats().streams.node).toEqual({ last: 1, received: 1, errors: [] })
  })

  it(
    "the holder's close() while the others send: the next tab holds the socket, and the server " +
      'gets every message once, in order',
    async () => {
      const { server, tabs } = await group(3)
      await Promise.all(tabs.map((tab) => tab.ready))
      const sent = [0, 0, 0]
      const timers = tabs.map((tab, i) =>
        setInterval(() => tab.state !== 'closed' && tab.send({ stream: `t${i}`, n: ++sent[i]! }), 5),
      )
      await new Promise((resolve) => setTimeout(resolve, 100))
      tabs[0]!.close() // the first tab holds it: it asked first
      clearInterval(timers[0])
      await new Promise((resolve) => setTimeout(resolve, 300))
      for (const timer of timers) clearInterval(timer)
      await until(
        () => [1, 2].every((i) => server.stats().streams[`t${i}`]?.received === sent[i]),
        5000,
        'every message at the server',
      )
      for (const i of [0, 1, 2])
        expect(server.stats().streams[`t${i}`]).toEqual({ last: sent[i], received: sent[i], errors: [] })
      expect(server.stats().peakSockets).toBe(1)
      expect(tabs.map((tab) => tab.state)).toEqual(['closed', 'open', 'open'])
    },
  )

  it("the group fails (a forbidden room): a follower ends failed with the server's reason", async () => {
    const { tabs } = await group(2, { user: 'bob', path: '/ws/rooms/staff', name: 'forbidden' })
    const reasons = await Promise.all(
      tabs.map((tab) =>
        tab.ready.then(
          () => 'open',
          (e: AuthSocketError) => e.code,
        ),
      ),
    )
    expect(reasons).toEqual(['FORBIDDEN', 'FORBIDDEN'])
    expect(tabs.map((tab) => tab.state)).toEqual(['failed', 'failed'])
  })

  it("a follower's queue is bounded by maxQueueSize, and frees up as the holder's acknowledgements arrive", async () => {
    const { tabs } = await group(2, { maxQueueSize: 2 })
    await Promise.all(tabs.map((tab) => tab.ready))
    const follower = tabs[1]!
    const receipts = [follower.send({ stream: 'q', n: 1 }), follower.send({ stream: 'q', n: 2 })]
    expect(() => follower.send({ stream: 'q', n: 3 })).toThrow(expect.objectContaining({ code: 'QUEUE_FULL' }))
    await Promise.all(receipts.map((r) => r.acked))
    expect(follower.queued).toBe(0)
    await follower.send({ stream: 'q', n: 3 }).acked
  })
})

describe('the journal a new holder merges', () => {
  it('keeps what is numbered and not done, the last number, and each tab mark', () => {
    const a = new Journal()
    a.add({ seq: 1, tab: 'x', n: 1, data: '"a"' })
    a.add({ seq: 2, tab: 'y', n: 1, data: '"b"' })
    a.done(1)
    const b = new Journal()
    b.add({ seq: 3, tab: 'x', n: 2, data: '"c"' })
    b.learn(a.known)
    expect(b.undone().map((e) => e.seq)).toEqual([2, 3])
    expect([b.lastSeq, b.mark('x'), b.mark('y'), b.mark('z')]).toEqual([3, 2, 1, 0])
    b.pass('z', 4)
    expect(b.known.marks).toEqual({ x: 2, y: 1, z: 4 })
  })
})

describe('events between tabs', () => {
  it('an error travels as its fields and is an AuthSocketError again; a listener failure stays in its tab', () => {
    const error = new AuthRejectedError('FORBIDDEN', 'Forbidden: no.', 403, 'no')
    const back = decodeEvent('error', structuredClone(encodeEvent('error', error))) as AuthRejectedError
    expect(back).toBeInstanceOf(AuthSocketError)
    expect([back.code, back.message, back.status, back.detail]).toEqual(['FORBIDDEN', 'Forbidden: no.', 403, 'no'])
    expect(encodeEvent('error', new AuthSocketError('LISTENER_FAILED', 'x'))).toBeUndefined()
    expect(encodeEvent('state', { state: 'open', previous: 'authenticating' })).toBe('open')
  })
})
