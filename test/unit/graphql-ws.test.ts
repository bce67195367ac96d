/**
 * Servers nobody here wrote (issue 16): the README's graphql-ws recipe against a real graphql-ws
 * 6 server, close codes the client does not treat as a refusal or a network failure, and unknown
 * options. Each test failed on the client before: there was no `protocols` option (so 4406 on
 * every attempt, retried forever), unknown 4xxx codes looped, pings reached `message`.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  AuthSocket,
  firstMessage,
  graphqlWs,
  graphqlWsAck,
  queryToken,
  type AuthSocketErrorCode,
} from '../../src/index.js'
import { delay, fastRetry, nextEvent, until } from '../helpers/events.js'
import { closeAfterTest, openSocket } from '../helpers/fixture.js'
import { startGraphqlServer } from '../helpers/graphql-server.js'
import { startServer, statusFrame } from '../helpers/server.js'
import { opaqueToken } from '../helpers/tokens.js'

type Next = { id: string; type: 'next' | 'complete' | 'error'; payload?: { data?: Record<string, unknown> } }
type Subscribe = { id: string; type: 'subscribe'; payload: { query: string } }

/** The README recipe, with a token source that mints a fresh token the server accepts. */
async function recipe() {
  const server = closeAfterTest(await startGraphqlServer())
  const token = () => {
    const fresh = opaqueToken('gql')
    server.valid.add(fresh)
    return fresh
  }
  const socket = closeAfterTest(
    new AuthSocket<Next, Subscribe>(server.url, { WebSocket, retryDelay: fastRetry, ...graphqlWs({ token }) }),
  )
  return { server, socket }
}

const results = (socket: AuthSocket<Next, Subscribe>, id: string) => {
  const seen: Next[] = []
  socket.on('message', (msg) => msg.id === id && seen.push(msg))
  return seen
}

describe('graphql-ws, the README recipe', () => {
  it('connects (fresh token in connection_init), runs a query and a 5-event subscription', async () => {
    const { server, socket } = await recipe()
    const query = results(socket, 'q')
    const sub = results(socket, 's')
    socket.send({ id: 'q', type: 'subscribe', payload: { query: '{ hello }' } })
    socket.send({ id: 's', type: 'subscribe', payload: { query: 'subscription { count(to: 5) }' } })
    await socket.ready
    await until(
      () => sub.some((m) => m.type === 'complete') && query.some((m) => m.type === 'complete'),
      5000,
      'both operations',
    )
    expect(query[0]!.payload!.data).toEqual({ hello: 'world' })
    expect(sub.filter((m) => m.type === 'next').map((m) => m.payload!.data!.count)).toEqual([1, 2, 3, 4, 5])
    expect(server.presented).toHaveLength(1)
  })

  it('survives a server restart with a fresh token; the app subscribes again', async () => {
    const { server, socket } = await recipe()
    await socket.ready
    await server.stop()
    await delay(50)
    await server.start()
    await nextEvent(socket, 'authenticated', () => true, 5000)
    expect(server.presented).toHaveLength(2)
    expect(server.presented[0]).not.toBe(server.presented[1])
    const sub = results(socket, 'again')
    socket.send({ id: 'again', type: 'subscribe', payload: { query: 'subscription { count(to: 2) }' } })
    await until(() => sub.some((m) => m.type === 'complete'))
    expect(sub.filter((m) => m.type === 'next')).toHaveLength(2)
  })

  it('a refusal in onConnect ends failed after one attempt, with the detail', async () => {
    const server = closeAfterTest(await startGraphqlServer())
    const socket = closeAfterTest(
      new AuthSocket(server.url, { WebSocket, retryDelay: fastRetry, ...graphqlWs({ token: 'not-valid' }) }),
    )
    const error = await socket.ready.catch((e) => e)
    expect(error).toMatchObject({ code: 'FORBIDDEN', status: 4403, detail: 'Forbidden' })
    await delay(100)
    expect(server.presented).toHaveLength(1)
  })

  it("the server's ping is answered with pong and never delivered as a message", async () => {
    const { server, socket } = await recipe()
    server.pingAfterAck = true
    const messages: unknown[] = []
    socket.on('message', (m) => messages.push(m))
    await socket.ready
    await until(() => server.received.some((f) => JSON.parse(f).type === 'pong'), 3000, 'a pong')
    expect(server.received.find((f) => JSON.parse(f).type === 'pong')).toBe('{"type":"pong","payload":{"at":1}}')
    expect(messages).toEqual([])
  })

  it('the recipe without the subprotocol fails fast: FATAL_CLOSE 4406, naming the protocols option, after one attempt', async () => {
    const server = closeAfterTest(await startGraphqlServer())
    server.valid.add('t')
    const socket = closeAfterTest(
      new AuthSocket(server.url, {
        WebSocket,
        retryDelay: fastRetry,
        statusParser: graphqlWsAck,
        credentials: firstMessage({ token: 't', frame: (t) => ({ type: 'connection_init', payload: { token: t } }) }),
      }),
    )
    const error = await socket.ready.catch((e) => e)
    expect(error).toMatchObject({ code: 'FATAL_CLOSE' })
    expect(error.message).toMatch(/closed .* with 4406.*see the protocols option/)
    expect(server.presented).toHaveLength(0)
  })
})

describe('close codes the client does not treat as a refusal or a network failure', () => {
  for (const code of [4400, 4406, 4409, 4429, 4499, 4321]) {
    it(`${code}: one attempt, FATAL_CLOSE naming the code`, async () => {
      const server = await startServer({
        onConnection: (conn) => {
          conn.socket.send(statusFrame(200))
          setTimeout(() => conn.socket.close(code, 'bye'), 10)
        },
      })
      const socket = openSocket(server.url)
      const codes: AuthSocketErrorCode[] = []
      socket.on('error', (e) => codes.push(e.code))
      await nextEvent(socket, 'state', ({ state }) => state === 'failed')
      expect(codes).toEqual(['FATAL_CLOSE'])
      await delay(100)
      expect(server.connections).toHaveLength(1)
    })
  }

  it(
    "4009 (authsocket-channels: a frame over the server's limit) stops with the reason, so the " +
      'same message is not sent again',
    async () => {
      const server = await startServer({
        onConnection: (conn) => {
          conn.socket.send(statusFrame(200))
          setTimeout(() => conn.socket.close(4009), 10)
        },
      })
      const socket = openSocket(server.url)
      const errors: { code: AuthSocketErrorCode; message: string }[] = []
      socket.on('error', (e) => errors.push({ code: e.code, message: e.message }))
      await nextEvent(socket, 'state', ({ state }) => state === 'failed')
      expect(errors).toEqual([
        { code: 'FATAL_CLOSE', message: expect.stringContaining("over the server's size limit") },
      ])
    },
  )

  it('4408 (graphql-ws: no connection_init in time) is retried with a fresh credential, like 4008', async () => {
    const server = await startServer({
      onConnection: (conn) =>
        server.connections.length === 1 ? conn.socket.close(4408) : conn.socket.send(statusFrame(200)),
    })
    const reasons: string[] = []
    const socket = openSocket(server.url, {
      credentials: queryToken({
        token: ({ reason }) => {
          reasons.push(reason)
          return opaqueToken()
        },
      }),
    })
    await socket.ready
    expect(server.connections).toHaveLength(2)
    expect(reasons).toEqual(['initial', 'rejected']) // a refused credential, not a network failure
  })
})

describe('unknown options', () => {
  it('are INVALID_OPTIONS, naming the option and the closest known name', () => {
    const make = (extra: Record<string, unknown>) => () =>
      new AuthSocket('ws://127.0.0.1:1/', {
        WebSocket,
        autoConnect: false,
        credentials: firstMessage({ token: 't' }),
        ...extra,
      })
    expect(make({ protocol: ['x'] })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTIONS',
        message: expect.stringMatching(/Unknown option `protocol`\. Did you mean `protocols`\?/),
      }),
    )
    expect(make({ authTimout: 5 })).toThrow(/Did you mean `authTimeout`\?/)
    expect(make({ completelyDifferent: 1 })).toThrow(/^Unknown option `completelyDifferent`\. The options are listed/)
    expect(make({ protocols: ['bad protocol'] })).toThrow(/`protocols` must be an array of subprotocol names/)
  })
})
