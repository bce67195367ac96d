/**
 * Resume (issue 11, third part), against the reference server: what the server sent while the
 * client was away is replayed, each message delivered once and in order; when it cannot be, the
 * client says so with `resync`. The control (resume off) loses the messages of the same run.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startDemoServer, type DemoServer } from '../../demo/server/app.js'
import { AuthSocket, queryToken, type AuthSocketOptions } from '../../src/index.js'
import { delay, fastRetry, nextEvent, until } from '../helpers/events.js'
import { closeAfterTest } from '../helpers/fixture.js'
import { track } from '../helpers/tokens.js'

type Tick = { type: 'tick'; n: number }

async function setup(options: Partial<AuthSocketOptions<Tick>> = {}, port = 0) {
  const server: DemoServer = closeAfterTest(
    await startDemoServer({ port, testMode: true, jwtSecret: 'resume test', log: () => undefined }),
  )
  const token = async () => {
    const body = (await (
      await fetch(`${server.url}/api/login`, {
        method: 'POST',
        body: JSON.stringify({ username: 'alice', password: 'alice' }),
      })
    ).json()) as { token: string }
    return track(body.token)
  }
  const socket = closeAfterTest(
    new AuthSocket<Tick>(`${server.url.replace('http', 'ws')}/ws`, {
      WebSocket,
      origin: server.url,
      retryDelay: fastRetry,
      credentials: queryToken({ token }),
      ...options,
    }),
  )
  const ticks: number[] = []
  socket.on('message', (m) => m.type === 'tick' && ticks.push(m.n))
  return {
    server,
    socket,
    ticks,
    post: (path: string, body = {}) => fetch(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body) }),
  }
}

describe('resume', () => {
  for (const resume of [true, false]) {
    it(
      `the server streams 100 messages/s while the client reconnects 5 times: ` +
        `${resume ? 'each delivered once, in order' : 'some lost (resume off: the control)'}`,
      async () => {
        const { socket, ticks, post } = await setup({ resume })
        await socket.ready
        await delay(20) // the session frame is in
        await post('/test/stream', { count: 150, every: 10 })
        for (let i = 0; i < 5; i++) {
          await delay(150)
          socket.reconnect() // a refresh by reconnect, say: the socket is away for a moment
        }
        await delay(1000)
        if (resume) expect(ticks).toEqual(Array.from({ length: 150 }, (_, i) => i + 1))
        else expect(ticks.length).toBeLessThan(150)
      },
    )
  }

  it('a server that restarted cannot replay: the client emits resync, then goes on with the new stream', async () => {
    const { server, socket } = await setup()
    await socket.ready
    const port = Number(new URL(server.url).port)
    socket.send({ type: 'chat', text: 'before' }) // an echo: offset 1 delivered
    await until(() => server.stats().streams !== undefined && socket.queued === 0)
    await delay(50)
    await server.close()
    const again = closeAfterTest(
      await startDemoServer({ port, testMode: true, jwtSecret: 'resume test', log: () => undefined }),
    )
    const resync = await nextEvent(socket, 'resync', () => true, 5000)
    expect(typeof resync.epoch).toBe('string')
    expect(again.stats().resyncs).toBe(1)
  })

  it('away longer than the buffer: resync', async () => {
    const { server, socket, post } = await setup()
    await socket.ready
    await delay(20)
    socket.close() // the client leaves
    await post('/test/stream', { count: 1100, every: 1 })
    await delay(1500)
    socket.reconnect()
    await nextEvent(socket, 'resync', () => true, 5000)
    expect(server.stats().resyncs).toBe(1)
  })

  it("a session id is the user's own: bob presenting alice's id gets a new session, none of her messages", async () => {
    const { server, post } = await setup()
    const raw = async (user: string) => {
      const login = (await (
        await fetch(`${server.url}/api/login`, {
          method: 'POST',
          body: JSON.stringify({ username: user, password: user }),
        })
      ).json()) as { token: string }
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?token=${track(login.token)}`, 'authsocket.v1', {
        origin: server.url,
      })
      const frames: string[] = []
      ws.on('message', (data) => frames.push(String(data)))
      await until(() => frames.length === 1) // the 200 frame
      const epoch = (JSON.parse(frames[0]!) as { payload: { data: { resume: { epoch: string } } } }).payload.data.resume
        .epoch
      ws.send(JSON.stringify({ action: 'session', id: 'shared-id', resume: true, epoch, offset: 0 }))
      return { ws, frames }
    }
    const alice = await raw('alice')
    await delay(20)
    await post('/test/stream', { count: 5, every: 5 })
    await until(() => alice.frames.length === 6)
    alice.ws.terminate()
    const before = server.buffered().sessions
    const bob = await raw('bob')
    await delay(200)
    bob.ws.close()
    expect(bob.frames.slice(1)).toEqual([])
    expect(server.buffered().sessions).toBe(before + 1)
  })
})
