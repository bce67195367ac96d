import { describe, expect, it } from 'vitest'
import { AuthRejectedError, chanxStatus, firstMessage, graphqlWsAck, queryToken } from '../../src/index.js'
import { delay, nextEvent } from '../helpers/events.js'
import { startServer, statusFrame, type TestServer } from '../helpers/server.js'
import { jwt, opaqueToken } from '../helpers/tokens.js'
import { openSocket } from '../helpers/fixture.js'

let server: TestServer | undefined

describe('status frame parsing', () => {
  it('reads Chanx snake_case and camelCase alike', () => {
    const data = {
      detail: 'OK',
      user: { id: 1 },
      expires_at: 1_700_000_000,
      server_time: 1_699_999_000_123,
      reauth: true,
    }
    const snake = chanxStatus(JSON.parse(statusFrame(200, data)))
    const camel = chanxStatus(
      JSON.parse(
        statusFrame(
          200,
          { detail: 'OK', user: { id: 1 }, expiresAt: 1_700_000_000, serverTime: 1_699_999_000_123, reauth: true },
          true,
        ),
      ),
    )
    expect(snake).toEqual({
      ok: true,
      status: 200,
      detail: 'OK',
      user: { id: 1 },
      expiresAt: 1_700_000_000_000,
      serverTime: 1_699_999_000_123,
      reauth: true,
    })
    expect(camel).toEqual(snake)
    expect(chanxStatus(JSON.parse(statusFrame(403, { detail: 'no' })))).toMatchObject({
      ok: false,
      status: 403,
      detail: 'no',
    })
  })

  it('ignores anything that is not a status frame', () => {
    for (const frame of [
      null,
      1,
      'x',
      [],
      {},
      { action: 'chat' },
      { action: 'authentication' },
      { action: 'authentication', payload: { status_code: '200' } },
    ]) {
      expect(chanxStatus(frame)).toBeUndefined()
    }
    expect(
      chanxStatus({ action: 'authentication', payload: { status_code: 401, status_text: 'Unauthorized' } })?.detail,
    ).toBe('Unauthorized')
  })

  it('graphqlWsAck recognises connection_ack only', () => {
    expect(graphqlWsAck({ type: 'connection_ack', payload: { user: 'u' } })).toEqual({
      ok: true,
      status: 200,
      user: 'u',
    })
    expect(graphqlWsAck({ type: 'next' })).toBeUndefined()
  })
})

describe('status frames on the wire', () => {
  it('a 200 frame gives authenticated with user and expiresAt; the frame never reaches message listeners', async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600
    server = await startServer({
      onConnection(conn) {
        conn.socket.send(statusFrame(200, { user: { name: 'alice' }, expires_at: exp }))
        conn.socket.send(JSON.stringify({ hello: 1 }))
      },
    })
    const socket = openSocket(server.url)
    const messages: unknown[] = []
    socket.on('message', (m) => messages.push(m))
    const auth = await nextEvent(socket, 'authenticated')
    expect(auth).toEqual({ user: { name: 'alice' }, expiresAt: exp * 1000, inBand: false })
    await delay(30)
    expect(messages).toEqual([{ hello: 1 }])
  })

  it('without expires_at, expiresAt comes from the JWT exp', async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600
    server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
    const socket = openSocket(server.url, { credentials: queryToken({ token: jwt(exp) }) })
    expect((await nextEvent(socket, 'authenticated')).expiresAt).toBe(exp * 1000)
  })

  it('a 401 frame then close 1000 (real Chanx) is retried with a fresh credential', async () => {
    server = await startServer({
      onConnection(conn) {
        if (server!.connections.length === 1) {
          conn.socket.send(statusFrame(401, { detail: 'Token expired' }))
          conn.socket.close(1000)
        } else conn.socket.send(statusFrame(200))
      },
    })
    const socket = openSocket(server.url)
    const refused = await nextEvent(socket, 'unauthenticated')
    expect(refused).toEqual({ status: 401, detail: 'Token expired', willRetry: true })
    await socket.ready
    expect(server.connections).toHaveLength(2)
  })

  it('a 403 frame then close 1000 fails at once, with the detail, and makes no more attempts', async () => {
    server = await startServer({
      onConnection(conn) {
        conn.socket.send(statusFrame(403, { detail: 'You may not join this room' }))
        conn.socket.close(1000)
      },
    })
    const socket = openSocket(server.url)
    const error = await socket.ready.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthRejectedError)
    expect((error as AuthRejectedError).detail).toBe('You may not join this room')
    expect((error as AuthRejectedError).code).toBe('FORBIDDEN')
    expect(socket.state).toBe('failed')
    await delay(200)
    expect(server.connections).toHaveLength(1)
  })

  it('a refusal frame with no close from the server still moves on', async () => {
    server = await startServer({
      onConnection(conn) {
        conn.socket.send(statusFrame(server!.connections.length === 1 ? 401 : 200))
      },
    })
    const socket = openSocket(server.url)
    await socket.ready
    expect(server.connections).toHaveLength(2)
  })

  it('a pluggable parser: graphql-ws connection_init / connection_ack', async () => {
    const token = opaqueToken()
    server = await startServer({
      onConnection: async (conn) => {
        const init = JSON.parse(await conn.next())
        if (init.type === 'connection_init' && init.payload.token === token)
          conn.socket.send(JSON.stringify({ type: 'connection_ack' }))
        else conn.socket.close(4403, 'Forbidden')
      },
    })
    const socket = openSocket(server.url, {
      statusParser: graphqlWsAck,
      credentials: firstMessage({ token, frame: (t) => ({ type: 'connection_init', payload: { token: t } }) }),
    })
    await socket.ready
  })

  it("confirm: 'open' authenticates on open, for servers that send no frames", async () => {
    server = await startServer({ onConnection: (conn) => conn.socket.send(JSON.stringify({ hello: 1 })) })
    const socket = openSocket(server.url, { confirm: 'open' })
    const message = nextEvent(socket, 'message')
    await socket.ready
    expect(await message).toEqual({ hello: 1 })
  })

  it('with no confirming frame, times out with an error that says what to configure', async () => {
    server = await startServer({})
    const socket = openSocket(server.url, { authTimeout: 100, maxAuthFailures: 1, retryAttempts: 2 })
    const error = await nextEvent(socket, 'error', (e) => e.code === 'AUTH_TIMEOUT')
    expect(error.message).toMatch(/needs confirm: 'open'/)
    expect(error.message).toMatch(/a statusParser/)
    // A timeout is the client's own: retried as a network failure, never counted as a refused credential.
    await expect(socket.ready).rejects.toMatchObject({ code: 'RETRIES_EXHAUSTED' })
    expect(server.connections).toHaveLength(3)
  })
})
