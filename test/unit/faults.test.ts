/**
 * The faults of the state-machine rebuild (issue 9), one test per promise, each against a real
 * `ws` server on 127.0.0.1. Every test here failed on the client before the rebuild.
 */
import { spawn } from 'node:child_process'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { WebSocket as ServerSocket } from 'ws'
import {
  firstMessage,
  queryToken,
  ticket,
  type AuthSocketError,
  type AuthSocketErrorCode,
  type CredentialReason,
} from '../../src/index.js'
import { delay, fastRetry, nextEvent, until } from '../helpers/events.js'
import { openSocket } from '../helpers/fixture.js'
import { exposed, record } from '../helpers/leak-check.js'
import { startServer, statusFrame, type Connection } from '../helpers/server.js'
import { jwt, opaqueToken } from '../helpers/tokens.js'

type Msg = { n: number }
const numbers = (conn: Connection) => conn.received.map((frame) => (JSON.parse(frame) as Msg).n)
const accept = (conn: Connection) => conn.socket.send(statusFrame(200))
/** ws's own TCP socket, to make a peer stop reading (a frozen server). */
const tcp = (socket: ServerSocket) => (socket as unknown as { _socket: import('node:net').Socket })._socket

function errorsOf(socket: {
  on(type: 'error', listener: (error: AuthSocketError) => void): unknown
}): AuthSocketErrorCode[] {
  const codes: AuthSocketErrorCode[] = []
  socket.on('error', (error) => codes.push(error.code))
  return codes
}

describe('1. nothing is written to a socket that is not OPEN and authenticated for the current attempt', () => {
  it('reconnect() while authenticating, with the 200 frame already on its way: the queue goes to the next socket, 0 lost', async () => {
    const server = await startServer({ onConnection: (conn) => server.connections.length > 1 && accept(conn) })
    const socket = openSocket<Msg, Msg>(server.url)
    for (let n = 1; n <= 5; n++) socket.send({ n })
    const first = await server.connection(1)
    await until(() => socket.state === 'authenticating')
    socket.reconnect()
    first.socket.send(statusFrame(200)) // arrives while the old socket is closing
    const second = await server.connection(2)
    await until(() => second.received.length === 5, 3000, 'the 5 queued messages on the second socket')
    expect(numbers(second)).toEqual([1, 2, 3, 4, 5])
    expect(first.received).toEqual([])
    expect(socket.state).toBe('open')
  })

  it('a 200 frame that arrives after authTimeout is ignored; the queue waits for the next authentication', async () => {
    const server = await startServer({ onConnection: (conn) => server.connections.length > 1 && accept(conn) })
    const socket = openSocket<Msg, Msg>(server.url, { authTimeout: 100 })
    const first = await server.connection(1)
    // The late verdict leaves the server the moment the client gives up on it.
    socket.on('error', (error) => error.code === 'AUTH_TIMEOUT' && first.socket.send(statusFrame(200)))
    for (let n = 1; n <= 3; n++) socket.send({ n })
    const second = await server.connection(2)
    await until(() => second.received.length === 3, 3000, 'the queued messages on the second socket')
    expect(numbers(second)).toEqual([1, 2, 3])
    expect(first.received).toEqual([])
  })

  it('an in-band refresh that fails while the server is closing: the messages stay queued and reach the next socket', async () => {
    let first: Connection | undefined
    const server = await startServer({
      onConnection(conn) {
        first ??= conn
        conn.socket.send(
          statusFrame(200, {
            reauth: true,
            expires_at: (first === conn ? Date.now() + 300 : Date.now() + 3_600_000) / 1000,
          }),
        )
      },
    })
    let refreshes = 0
    const token = async ({ reason }: { reason: CredentialReason }) => {
      if (reason !== 'expiring' || ++refreshes > 1) return opaqueToken()
      for (let n = 1; n <= 3; n++) socket.send({ n }) // queued: the socket is re-authenticating
      // The server starts its close (a raw close frame) and stops reading: the client's socket is CLOSING, not closed.
      tcp(first!.socket).pause()
      tcp(first!.socket).write(Buffer.from([0x88, 0x02, 0x03, 0xe8]))
      await delay(50)
      throw new Error('refresh endpoint down')
    }
    const socket = openSocket<Msg, Msg>(server.url, { refreshMargin: 0, credentials: queryToken({ token }) })
    await nextEvent(socket, 'error', (e) => e.code === 'CREDENTIAL_FETCH_FAILED')
    await delay(20)
    tcp(first!.socket).resume()
    const second = await server.connection(2)
    await until(() => second.received.length === 3, 3000, 'the queued messages on the second socket')
    expect(numbers(second)).toEqual([1, 2, 3])
  })
})

describe('2. a user callback that throws never wedges the client', () => {
  it('classify throws: CALLBACK_FAILED, the default classification, and the client reconnects', async () => {
    const server = await startServer({
      onConnection: (conn) => (server.connections.length === 1 ? conn.socket.terminate() : accept(conn)),
    })
    const socket = openSocket(server.url, {
      classify: () => {
        throw new Error('bug in classify')
      },
    })
    const codes = errorsOf(socket)
    await socket.ready
    expect(codes).toEqual(['CALLBACK_FAILED'])
  })

  it('debug with a deeply nested user in the 200 frame: every line is written, the client works', async () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`
    const server = await startServer({
      onConnection(conn) {
        conn.socket.send(`{"action":"authentication","payload":{"status_code":200,"data":{"user":${deep}}}}`)
        conn.socket.on('message', (data) => conn.socket.send(data.toString()))
      },
    })
    const lines: string[] = []
    const socket = openSocket<Msg, Msg>(server.url, { debug: (line) => lines.push(line) })
    const codes = errorsOf(socket)
    await socket.ready
    socket.send({ n: 1 })
    expect(await nextEvent(socket, 'message')).toEqual({ n: 1 })
    expect(lines).toContain('[authsocket] authenticated (not printable as JSON: RangeError)')
    expect(codes).toEqual([])
  })

  it('a debug that throws, a retryDelay that throws, an error listener that throws: reported, and the client carries on', async () => {
    const server = await startServer({
      onConnection: (conn) => (server.connections.length === 1 ? conn.socket.terminate() : accept(conn)),
    })
    const socket = openSocket(server.url, {
      debug: () => {
        throw new Error('bad sink')
      },
      retryDelay: () => {
        throw new Error('bad policy')
      },
    })
    socket.on('error', () => {
      throw new Error('bad error listener') // used to be rethrown on a timer: the process died
    })
    const codes = errorsOf(socket)
    await socket.ready
    expect(codes).toContain('CALLBACK_FAILED')
    expect(codes).toContain('LISTENER_FAILED')
    expect(socket.state).toBe('open')
  })

  it('a statusParser or serializer.parse that throws drops the frame as BAD_FRAME', async () => {
    const server = await startServer({
      onConnection: (conn) => {
        accept(conn)
        conn.socket.send('{"boom":1}')
      },
    })
    const socket = openSocket(server.url, {
      statusParser: (frame) => {
        if ((frame as { boom?: number }).boom) throw new Error('parser bug')
        return (frame as { action?: string }).action === 'authentication' ? { ok: true, status: 200 } : undefined
      },
    })
    expect((await nextEvent(socket, 'error')).code).toBe('BAD_FRAME')
    expect(socket.state).toBe('open')
  })
})

describe('3. refreshes and reconnects never loop, whatever the clocks say', () => {
  const count = async (data: Record<string, unknown>, extra = {}) => {
    let authenticateFrames = 0
    const server = await startServer({
      onConnection(conn) {
        conn.socket.send(statusFrame(200, data))
        conn.socket.on('message', (frame) => {
          if (JSON.parse(frame.toString()).action !== 'authenticate') return
          authenticateFrames++
          conn.socket.send(statusFrame(200, data))
        })
      },
    })
    const socket = openSocket(server.url, { refreshMargin: 0, ...extra })
    await socket.ready
    await delay(3000)
    return { connections: server.connections.length, authenticateFrames }
  }

  it('a server whose expires_at is already past (or a client clock 1 h ahead, no server_time): under 10 connections in 3 s', async () => {
    const { connections } = await count({ expires_at: Date.now() / 1000 - 3600 })
    expect(connections).toBeLessThan(10)
    expect(connections).toBeGreaterThan(1) // it does refresh, once and then backed off
  })

  it('the same in band: under 10 authenticate frames in 3 s', async () => {
    const { connections, authenticateFrames } = await count({ expires_at: Date.now() / 1000 - 3600, reauth: true })
    expect(connections).toBe(1)
    expect(authenticateFrames).toBeLessThan(10)
    expect(authenticateFrames).toBeGreaterThan(0)
  })

  it('a clock that jumps an hour ahead while open', async () => {
    const realNow = Date.now
    let connections = 0
    const server = await startServer({
      onConnection(conn) {
        connections++
        conn.socket.send(statusFrame(200, { expires_at: (realNow() + 1500) / 1000 }))
      },
    })
    const socket = openSocket(server.url, { refreshMargin: 0 })
    await socket.ready
    Date.now = () => realNow() + 3_600_000
    try {
      await delay(3000)
    } finally {
      Date.now = realNow
    }
    expect(connections).toBeLessThan(10)
  })
})

describe("4. the client's own authTimeout is a transient failure, not a refusal", () => {
  it(
    'a server that stalls for 3.5 s, then recovers (authTimeout 1 s): open again, no AUTH_FAILURES_EXHAUSTED',
    { timeout: 15_000 },
    async () => {
      const recovered = Date.now() + 3500
      const server = await startServer({ onConnection: (conn) => Date.now() > recovered && accept(conn) })
      const socket = openSocket(server.url, { authTimeout: 1000 })
      const codes = errorsOf(socket)
      await until(() => socket.state === 'open', 10_000, 'open after the stall')
      expect(codes.every((code) => code === 'AUTH_TIMEOUT')).toBe(true)
      expect(codes.length).toBeGreaterThanOrEqual(3)
    },
  )
})

describe('5. getting a credential has a deadline, and reconnect() aborts it', () => {
  it('a ticket endpoint that never answers: CREDENTIAL_FETCH_FAILED after credentialTimeout, retried, open once it answers', async () => {
    let answer = false
    const server = await startServer({
      onHttp: (_req, res) => answer && res.writeHead(200).end(JSON.stringify({ ticket: opaqueToken('ticket') })),
      onConnection: accept,
    })
    const socket = openSocket(server.url, { credentials: ticket({ endpoint: '/t' }), credentialTimeout: 200 })
    const error = await nextEvent(socket, 'error')
    expect(error.code).toBe('CREDENTIAL_FETCH_FAILED')
    expect(error.message).toMatch(/within 200 ms \(credentialTimeout\)/)
    answer = true
    await socket.ready
  })

  it('reconnect() aborts a pending token source and asks again at once', async () => {
    const signals: AbortSignal[] = []
    const server = await startServer({ onConnection: accept })
    const socket = openSocket(server.url, {
      credentials: queryToken({
        token: ({ signal }) => {
          signals.push(signal)
          return signals.length === 1 ? new Promise<string>(() => undefined) : opaqueToken()
        },
      }),
    })
    await until(() => signals.length === 1)
    socket.reconnect()
    await socket.ready
    expect(signals).toHaveLength(2)
    expect(signals[0]!.aborted).toBe(true)
  })
})

describe('7. send() of something the serializer turns into nothing', () => {
  it('undefined, a function, a Symbol: SERIALIZE_FAILED, and no empty frame on the wire', async () => {
    const server = await startServer({ onConnection: accept })
    const socket = openSocket(server.url)
    await socket.ready
    for (const nothing of [undefined, () => 1, Symbol('s')])
      expect(() => socket.send(nothing)).toThrow(expect.objectContaining({ code: 'SERIALIZE_FAILED' }))
    socket.send({ n: 1 })
    const conn = await server.connection(1)
    await until(() => conn.received.length === 1)
    expect(conn.received).toEqual(['{"n":1}'])
  })
})

describe('8. no credential in any error, its cause chain, its stack or util.inspect()', () => {
  const everything = (error: unknown) => `${exposed(error)} ${inspect(error, { depth: 10 })}`

  it('a ticket bearer token with CR/LF', async () => {
    const bearer = opaqueToken('bearer')
    const server = await startServer({ onHttp: (_req, res) => res.writeHead(200).end('{}') })
    // fetch refuses such a header with a TypeError that quotes the value.
    const socket = openSocket(server.url, {
      credentials: ticket({ endpoint: '/t', token: () => `${bearer}\r\nX-Evil: 1` }),
      retryAttempts: 0,
    })
    const errors: AuthSocketError[] = []
    socket.on('error', (error) => errors.push(error))
    await socket.ready.catch(() => undefined)
    expect(errors.length).toBeGreaterThan(0)
    for (const error of errors) expect(everything(error)).not.toContain(bearer)
  })

  it('a token source that throws an error quoting the token', async () => {
    const token = opaqueToken()
    const server = await startServer({ onConnection: accept })
    let calls = 0
    const socket = openSocket(server.url, {
      credentials: queryToken({
        token: () => {
          if (++calls === 1) throw new TypeError(`refresh failed for ${token}`)
          return opaqueToken()
        },
      }),
    })
    const error = await nextEvent(socket, 'error')
    record(error)
    expect(error.code).toBe('CREDENTIAL_FETCH_FAILED')
    expect(everything(error)).not.toContain(token)
    expect(everything(error)).toContain('TypeError')
  })
})

describe('9. maxMessageSize bounds memory in Node', () => {
  it('a frame announcing 95 MB is refused by ws as soon as its header is read, not after buffering it', async () => {
    const server = await startServer({
      onConnection(conn) {
        accept(conn)
        if (server.connections.length > 1) return
        const header = Buffer.alloc(10)
        header[0] = 0x81 // FIN, text
        header[1] = 127 // 64-bit length follows
        header.writeBigUInt64BE(95n * 1024n * 1024n, 2)
        tcp(conn.socket).write(Buffer.concat([header, Buffer.alloc(1024, 0x61)])) // and never the rest
      },
    })
    const socket = openSocket(server.url)
    const error = await nextEvent(socket, 'error', () => true, 3000)
    expect(error.code).toBe('FRAME_TOO_LARGE')
    await nextEvent(socket, 'authenticated')
    expect(server.connections).toHaveLength(2)
  })
})

describe('10. after close() the Node process can exit within 1 s, even if the peer stopped answering', () => {
  it('a peer that stopped reading', async () => {
    const server = await startServer({
      onConnection: (conn) => {
        accept(conn)
        tcp(conn.socket).pause()
      },
    })
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/close-and-exit.ts', server.url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    const exited = await new Promise<number>((resolve) => child.on('exit', () => resolve(Date.now())))
    const closedAt = Number(/closed (\d+)/.exec(output)?.[1])
    expect(closedAt).toBeGreaterThan(0)
    expect(exited - closedAt).toBeLessThan(1000)
  })
})

describe('11. Node: an upgrade refused with 404 fails at once, naming the path and the status', () => {
  it('one attempt, HANDSHAKE_REFUSED, the URL redacted', async () => {
    let upgrades = 0
    const server = await startServer({ onUpgrade: () => upgrades++, refuseUpgrade: () => 404 })
    const token = opaqueToken()
    const socket = openSocket(server.url.replace('/ws/', '/wrong/path/'), { credentials: queryToken({ token }) })
    const error = await socket.ready.catch((e: AuthSocketError) => e)
    expect(error).toMatchObject({ code: 'HANDSHAKE_REFUSED' })
    expect(error!.message).toMatch(/\/wrong\/path\/\?token=REDACTED with HTTP 404/)
    expect(error!.message).not.toContain(token)
    await delay(100)
    expect(upgrades).toBe(1)
  })
})

describe('12. a refusal that a fresh credential answers is retried promptly, not after the grown network backoff', () => {
  it('after an outage, the server refuses the stale token once: the retry waits the first backoff step, not the seventh', async () => {
    let up = false
    const server = await startServer({
      refuseUpgrade: () => (up ? undefined : 503),
      onConnection: (conn) => conn.socket.send(statusFrame(server.connections.length === 1 ? 401 : 200)),
    })
    const steps: number[] = []
    const socket = openSocket(server.url, {
      retryDelay: (n) => {
        steps.push(n)
        return 20
      },
    })
    await until(() => steps.length >= 6, 3000, 'an outage of 6 failed attempts')
    let afterRefusal = -1
    socket.on('unauthenticated', () => (afterRefusal = steps.length))
    up = true
    await socket.ready
    expect(steps.slice(0, afterRefusal).at(-1)).toBeGreaterThanOrEqual(6) // the network backoff had grown
    expect(steps[afterRefusal]).toBe(1) // the refusal restarts it
  })
})

describe('firstMessage still goes first after the rebuild', () => {
  it('the auth frame precedes the queue on every socket', async () => {
    const server = await startServer({
      onConnection: async (conn) => {
        await conn.next()
        return accept(conn)
      },
    })
    const socket = openSocket<Msg, Msg>(server.url, {
      credentials: firstMessage({ token: () => jwt(Date.now() / 1000 + 3600) }),
      retryDelay: fastRetry,
    })
    socket.send({ n: 1 })
    const conn = await server.connection(1)
    await until(() => conn.received.length === 2)
    expect(JSON.parse(conn.received[0]!).action).toBe('authenticate')
    expect(JSON.parse(conn.received[1]!)).toEqual({ n: 1 })
  })
})
