/**
 * Acknowledged sends (issue 11, second part), against the reference server: a message leaves the
 * outbox only when acknowledged, the unacknowledged ones are written again after a reconnect, and
 * the server's application gets every message exactly once, in order. The control (acks off)
 * loses messages in the same run: the test can fail.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startDemoServer, type DemoServer } from '../../demo/server/app.js'
import { ACK_EVERY } from '../../demo/server/delivery.js'
import { AuthSocket, queryToken, type AuthSocketOptions } from '../../src/index.js'
import { delay, fastRetry, until } from '../helpers/events.js'
import { closeAfterTest } from '../helpers/fixture.js'
import { track } from '../helpers/tokens.js'

async function setup(options: Partial<AuthSocketOptions> = {}) {
  const server: DemoServer = closeAfterTest(await startDemoServer({ port: 0, testMode: true, log: () => undefined }))
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
    new AuthSocket(`${server.url.replace('http', 'ws')}/ws`, {
      WebSocket,
      origin: server.url,
      retryDelay: fastRetry,
      credentials: queryToken({ token }),
      ...options,
    }),
  )
  return {
    server,
    socket,
    post: (path: string, body = {}) => fetch(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body) }),
  }
}

describe('acknowledged sends', () => {
  it('the reference server acknowledges at least every ACK_EVERY messages of one long burst, not only at its end', async () => {
    const { server } = await setup()
    const login = (await (
      await fetch(`${server.url}/api/login`, {
        method: 'POST',
        body: JSON.stringify({ username: 'alice', password: 'alice' }),
      })
    ).json()) as { token: string }
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?token=${track(login.token)}`, 'authsocket.v1', {
      origin: server.url,
    })
    const acks: number[] = []
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { action?: string; seq?: number }
      if (frame.action === 'ack') acks.push(frame.seq!)
    })
    await new Promise((resolve) => ws.once('message', resolve)) // the 200 frame
    // One write of 2,000 frames: the server reads them in very few turns.
    const frames = [JSON.stringify({ action: 'session', id: 'burst' })]
    for (let seq = 1; seq <= 2000; seq++) frames.push(JSON.stringify({ action: 'message', seq, data: { n: seq } }))
    ws.send(frames.shift()!)
    for (const frame of frames) ws.send(frame)
    await until(() => acks.at(-1) === 2000, 5000, 'the last ack')
    ws.close()
    const gaps = acks.map((seq, i) => seq - (acks[i - 1] ?? 0))
    expect(Math.max(...gaps)).toBeLessThanOrEqual(ACK_EVERY + 1)
  })

  it(
    '1000 messages written to a server that stopped reading, then dropped every socket: the ' +
      'client writes them again, the application gets each once, in order',
    async () => {
      const { server, socket, post } = await setup()
      await socket.ready
      await post('/test/freeze', { ms: 10_000 }) // the server stops reading: what is written waits, unacknowledged
      for (let n = 1; n <= 1000; n++) socket.send({ stream: 'dropped', n })
      expect(socket.queued).toBe(1000) // written, but they stay until acknowledged
      await delay(50)
      await post('/test/drop')
      await until(() => socket.state === 'open' && socket.queued === 0, 10_000, 'the outbox empty on a new socket')
      await delay(100)
      const stats = server.stats()
      expect(stats.streams.dropped).toEqual({ last: 1000, received: 1000, errors: [] })
      expect(stats.attempts).toBe(2)
      // The second socket carried them again (the server read the first copies as it closed the old one): dropped as
      // duplicates.
      expect(stats.duplicates).toBeGreaterThan(0)
    },
  )

  it('the control, acks off: a written message leaves the outbox at once, so a dying socket takes it along', async () => {
    const { socket, post } = await setup({ acks: false })
    await socket.ready
    await post('/test/freeze', { ms: 10_000 })
    for (let n = 1; n <= 1000; n++) socket.send({ stream: 'unacked', n })
    expect(socket.queued).toBe(0) // nothing kept to write again
  })

  it(
    'a binary message with acks on is written once and leaves the outbox: it is never ' +
      'acknowledged, so it must not wait for an ack',
    async () => {
      const { socket } = await setup()
      const binary: ArrayBuffer[] = []
      socket.on('binary', (data) => binary.push(data))
      await socket.ready
      socket.send(new Uint8Array([1, 2, 3]))
      expect(socket.queued).toBe(0)
      socket.send({ type: 'chat', text: 'after it' })
      await until(() => socket.queued === 0 && binary.length === 1, 2000, 'the echo and the ack')
      socket.reconnect()
      await socket.ready
      await delay(100)
      expect(binary).toHaveLength(1) // not written again on the new socket
    },
  )

  it('a message leaves the outbox only when acknowledged; acks never reach message listeners', async () => {
    const { socket } = await setup()
    const messages: unknown[] = []
    socket.on('message', (m) => messages.push(m))
    await socket.ready
    socket.send({ type: 'chat', text: 'one' })
    expect(socket.queued).toBe(1) // written, not yet acknowledged
    await until(() => socket.queued === 0, 2000, 'the ack')
    await delay(50)
    expect(messages).toEqual([{ type: 'echo', data: { type: 'chat', text: 'one' } }])
  })

  it(
    'a frozen server while the client sends 10 messages/s: found by the heartbeat, and the ' +
      'server application gets each message once, in order',
    async () => {
      const { server, socket, post } = await setup({ heartbeat: { interval: 150, timeout: 150 } })
      await socket.ready
      let n = 0
      const sender = setInterval(() => socket.send({ stream: 'frozen', n: ++n }), 100)
      await delay(300)
      await post('/test/freeze', { ms: 1500 })
      await delay(2000)
      clearInterval(sender)
      await until(() => socket.state === 'open' && socket.queued === 0, 5000, 'every message acknowledged')
      await delay(100)
      expect(server.stats().attempts).toBeGreaterThanOrEqual(2) // the freeze was noticed and the client reconnected
      expect(server.stats().streams.frozen).toEqual({ last: n, received: n, errors: [] })
    },
  )
})

describe('awaiting one message: send() returns a receipt', () => {
  it('acked resolves when the server acknowledges; a receipt nobody reads never rejects unhandled', async () => {
    const { socket } = await setup()
    await socket.ready
    const receipt = socket.send({ type: 'chat', text: 'wait for me' })
    socket.send({ type: 'chat', text: 'nobody waits for me' })
    await receipt.acked
    expect(socket.queued).toBeLessThanOrEqual(1)
  })

  it('rejects with NOT_CONNECTED on close(), and with ACK_TIMEOUT when the server never acknowledges', async () => {
    const { socket, post } = await setup({ ackTimeout: 200 })
    await socket.ready
    await post('/test/freeze', { ms: 5000 })
    const late = socket.send({ type: 'chat', text: 'no ack coming' })
    await expect(late.acked).rejects.toMatchObject({
      code: 'ACK_TIMEOUT',
      message: expect.stringMatching(/still in the outbox/),
    })
    const closed = socket.send({ type: 'chat', text: 'closed before its ack' })
    const waiting = closed.acked
    socket.send({ type: 'chat', text: 'a receipt nobody reads' }) // rejecting it eagerly would be an unhandled rejection: the run would fail
    socket.close()
    await expect(waiting).rejects.toMatchObject({ code: 'NOT_CONNECTED' })
    await delay(50)
    expect(socket.queued).toBe(3) // all stay for reconnect()
  })

  it('without acks it resolves once the message is written to an authenticated socket', async () => {
    const { socket } = await setup({ acks: false })
    const queued = socket.send({ type: 'chat', text: 'queued first' })
    await queued.acked
    expect(socket.state).toBe('open')
    await socket.send({ type: 'chat', text: 'written at once' }).acked
  })
})
