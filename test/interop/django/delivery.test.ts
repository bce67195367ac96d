/**
 * The delivery extensions (heartbeat, acknowledged sends, resume: docs/PROTOCOL.md section 7)
 * against the Django Channels example app, whose consumers use the package's mixin
 * (authsocket_channels.delivery; its bounds are tested with pytest in python/tests). The app
 * echoes every message it is given through the resumable stream, so the echoes show both
 * directions: each message once, in order.
 */
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AuthSocket, queryToken, type AuthSocketOptions } from '../../../src/index.js'
import { delay, nextEvent, until } from '../../helpers/events.js'
import { track } from '../../helpers/tokens.js'
import { closeAfterTest } from '../../helpers/fixture.js'
import { daphneForFile, post } from './daphne.js'

type Frame = { type: 'echo'; data: { n: number } } | { type: 'tick'; n: number }

const django = daphneForFile()

const jwt = async (ttl?: number) =>
  track((await post(`${django.http}/api/jwt/`, { username: 'alice', password: 'alice', ttl })).json.access as string)

function open(path: string, options: Partial<AuthSocketOptions<Frame, any>> = {}) {
  const socket = closeAfterTest(
    new AuthSocket<Frame, any>(`${django.ws}${path}`, {
      WebSocket,
      origin: django.origin,
      retryDelay: () => 50,
      credentials: queryToken({ token: () => jwt() }),
      ...options,
    }),
  )
  const echoes: number[] = []
  const ticks: number[] = []
  const errors: string[] = []
  socket.on('message', (m) => (m.type === 'echo' ? echoes.push(m.data.n) : m.type === 'tick' && ticks.push(m.n)))
  socket.on('error', (e) => errors.push(e.code))
  return { socket, echoes, ticks, errors }
}

const upTo = (count: number) => Array.from({ length: count }, (_, i) => i + 1)

describe('the delivery mixin, from Node', () => {
  it('the 200 frame announces heartbeat, acks and resume; the client turns each on, and acks never reach the application', async () => {
    const raw = new WebSocket(`${django.ws}/ws/delivery/?token=${await jwt()}`, { origin: django.origin })
    const [status] = await once(raw, 'message')
    // Garbage and malformed extension frames are answered or ignored; the consumer lives on.
    for (const junk of [
      'not json',
      '{"action":"message","seq":"1"}',
      '{"action":"session","id":5}',
      '{"action":"message","seq":1}',
      '[1]',
    ])
      raw.send(junk)
    raw.send('{"action":"ping"}')
    const replies: string[] = []
    raw.on('message', (data) => replies.push(String(data)))
    await until(() => replies.includes('{"action": "pong"}'), 3000, 'a pong')
    expect(replies[0]).toBe('{"type": "error", "detail": "Frames must be JSON"}')
    raw.close()
    expect(JSON.parse(String(status)).payload.data).toMatchObject({
      heartbeat: { interval: 25000, timeout: 10000 },
      ack: true,
      resume: { epoch: expect.any(String) },
    })
    const { socket, echoes } = open('/ws/delivery/')
    await socket.ready
    const receipt = socket.send({ n: 1 })
    await receipt.acked
    await until(() => echoes.length === 1)
    expect(echoes).toEqual([1])
    expect(socket.queued).toBe(0)
  })

  it(
    'a consumer that stops reading for 3 s while the client sends 10 messages/s: found within ' +
      'interval + timeout, and each message reaches the application once, in order',
    async () => {
      const { socket, echoes, errors } = open('/ws/delivery/', { heartbeat: { interval: 400, timeout: 400 } })
      await socket.ready
      socket.send({ type: 'freeze', ms: 3000 } as never)
      const frozenAt = Date.now()
      const death = nextEvent(socket, 'error', (e) => e.code === 'HEARTBEAT_TIMEOUT', 5000).then(
        () => Date.now() - frozenAt,
      )
      for (let n = 1; n <= 40; n++) {
        socket.send({ n })
        await delay(100)
      }
      expect(await death).toBeLessThan(400 + 400 + 300)
      await until(() => echoes.length >= 40, 10_000, 'every echo')
      await delay(300)
      expect(echoes).toEqual(upTo(40))
      expect(errors.filter((code) => code !== 'HEARTBEAT_TIMEOUT')).toEqual([])
    },
  )

  for (const resume of [true, false]) {
    it(
      `the app streams 100 messages/s while the client reconnects 5 times: ` +
        `${resume ? 'each delivered once, in order' : 'some lost (resume off: the control)'}`,
      async () => {
        const { socket, ticks } = open('/ws/delivery/', { resume })
        await socket.ready
        socket.send({ type: 'stream', count: 150, every: 10 } as never)
        for (let i = 0; i < 5; i++) {
          await delay(150)
          socket.reconnect()
        }
        if (resume) await until(() => ticks.length >= 150, 5000, 'the whole stream').catch(() => undefined)
        await delay(resume ? 200 : 1500) // for a duplicate to show, or for the control's stream to end
        if (resume) expect(ticks).toEqual(upTo(150))
        else expect(ticks.length).toBeLessThan(150)
      },
    )
  }

  it('refresh by reconnect (no reauth) with 2-second tokens, 3 refreshes while the app streams 100/s: nothing lost', async () => {
    const { socket, ticks, errors } = open('/ws/delivery-reconnect/', {
      credentials: queryToken({ token: () => jwt(2) }),
      refreshMargin: 600,
    })
    let authentications = 0
    socket.on('authenticated', () => authentications++)
    await socket.ready
    socket.send({ type: 'stream', count: 500, every: 10 } as never)
    await until(() => authentications >= 4, 15_000, '3 refreshes')
    await until(() => ticks.length >= 500, 10_000, 'the whole stream')
    expect(ticks).toEqual(upTo(500))
    expect(errors).toEqual([])
  })

  it('a restarted daphne cannot replay: the client emits resync once, then goes on', async () => {
    const { socket, echoes } = open('/ws/delivery/')
    await socket.ready
    await socket.send({ n: 1 }).acked
    await until(() => echoes.length === 1)
    // Listening first: the client may be back (and told) before daphne answers the health check.
    const told = nextEvent(socket, 'resync', () => true, 40_000)
    let resyncs = 0
    socket.on('resync', () => resyncs++)
    await django.restart()
    const resync = await told
    expect(typeof resync.epoch).toBe('string')
    await socket.send({ n: 2 }).acked
    await until(() => echoes.length === 2)
    expect(echoes).toEqual([1, 2])
    expect(resyncs).toBe(1)
  }, 60_000)
})
