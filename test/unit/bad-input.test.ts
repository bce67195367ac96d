import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AuthSocket, AuthSocketError, queryToken, type AuthSocketErrorCode } from '../../src/index.js'
import { nextEvent, until } from '../helpers/events.js'
import { exposed, record } from '../helpers/leak-check.js'
import { startServer, statusFrame, type Connection, type TestServer } from '../helpers/server.js'
import { openSocket } from '../helpers/fixture.js'

let server: TestServer | undefined

async function echoServer() {
  return startServer({
    onConnection(conn) {
      conn.socket.send(statusFrame(200))
      conn.socket.on('message', (data, binary) => conn.socket.send(binary ? data : data.toString(), { binary }))
    },
  })
}

describe('bad server input', () => {
  it(
    'malformed JSON, non-object JSON, unexpected binary, a spoofed status frame and a 2 MB ' +
      'frame: an error each, and the client lives on',
    async () => {
      server = await echoServer()
      const socket = openSocket<{ ok: number }, { ok: number }>(server.url)
      await socket.ready
      const conn: Connection = await server.connection(1)
      const codes: AuthSocketErrorCode[] = []
      const messages: unknown[] = []
      socket.on('error', (e) => codes.push(e.code))
      socket.on('message', (m) => messages.push(m))
      conn.socket.send('{not json')
      conn.socket.send('42')
      conn.socket.send(Buffer.from([1, 2, 3]), { binary: true })
      conn.socket.send(statusFrame(200, { user: 'mallory' }))
      conn.socket.send(statusFrame(403, { detail: 'spoofed' }))
      conn.socket.send('x'.repeat(2 * 1024 * 1024)) // over maxMessageSize (1 MiB), under ws's cap (3 MiB): dropped, socket kept
      await until(() => codes.length === 6, 5000, 'six errors')
      expect(codes).toEqual([
        'BAD_FRAME',
        'BAD_FRAME',
        'UNEXPECTED_BINARY',
        'UNEXPECTED_STATUS_FRAME',
        'UNEXPECTED_STATUS_FRAME',
        'FRAME_TOO_LARGE',
      ])
      expect(messages).toEqual([])
      expect(socket.state).toBe('open')
      const echoed = nextEvent(socket, 'message')
      socket.send({ ok: 1 })
      expect(await echoed).toEqual({ ok: 1 })
      expect(server.connections).toHaveLength(1)
    },
  )

  it('error messages describe a bad frame without echoing its content', async () => {
    server = await echoServer()
    const socket = openSocket(server.url)
    await socket.ready
    for (const frame of ['{"secret-ish": "abc"', 'secret-ish not json', '"secret-ish"']) {
      const error = nextEvent(socket, 'error')
      ;(await server.connection(1)).socket.send(frame)
      const reported = await error
      expect(reported.message).toMatch(/parsing threw (SyntaxError|TypeError)/)
      expect(exposed(reported)).not.toContain('secret-ish')
    }
  })

  it('a listener that throws is reported as LISTENER_FAILED; the other listeners and the client carry on', async () => {
    server = await echoServer()
    const socket = openSocket<{ n: number }, { n: number }>(server.url)
    await socket.ready
    const got: number[] = []
    socket.on('message', () => {
      throw new Error('user bug')
    })
    socket.on('message', (m) => got.push(m.n))
    const failed = nextEvent(socket, 'error')
    socket.send({ n: 1 })
    expect((await failed).code).toBe('LISTENER_FAILED')
    await until(() => got.length === 1)
    socket.send({ n: 2 })
    await until(() => got.length === 2)
  })
})

describe('serialization', () => {
  it('binary frames pass through in both directions', async () => {
    server = await echoServer()
    const socket = openSocket(server.url)
    await socket.ready
    const back = nextEvent(socket, 'binary')
    socket.send(new Uint8Array([7, 8, 9]))
    const data = await back
    expect(data).toBeInstanceOf(ArrayBuffer)
    expect([...new Uint8Array(data)]).toEqual([7, 8, 9])
  })

  it('a pluggable serializer', async () => {
    server = await echoServer()
    const socket = openSocket<string, string>(server.url, {
      serializer: {
        stringify: (m) => `msg:${m}`,
        parse: (text) => {
          if (text.startsWith('{')) return JSON.parse(text) // status frames
          if (!text.startsWith('msg:')) throw new Error('not ours')
          return text.slice(4)
        },
      },
    })
    await socket.ready
    const echoed = nextEvent(socket, 'message')
    socket.send('hello')
    expect(await echoed).toBe('hello')
  })
})

describe('bad options', () => {
  const WS = WebSocket
  const cases: [string, () => unknown, RegExp][] = [
    ['no options', () => new AuthSocket('ws://h/', undefined as never), /needs an options object/],
    ['no provider', () => new AuthSocket('ws://h/', { WebSocket: WS } as never), /must be a credential provider/],
    [
      'no WebSocket class',
      () => new AuthSocket('ws://h/', { credentials: queryToken({ token: 't' }) }),
      /import WebSocket from 'ws'/,
    ],
    [
      'bad URL',
      () => new AuthSocket('nope', { credentials: queryToken({ token: 't' }), WebSocket: WS }),
      /not a WebSocket URL/,
    ],
    [
      'http scheme is fine, ftp is not',
      () => new AuthSocket('ftp://h/?token=abc', { credentials: queryToken({ token: 't' }), WebSocket: WS }),
      /REDACTED/,
    ],
    [
      'negative number',
      () => new AuthSocket('ws://h/', { credentials: queryToken({ token: 't' }), WebSocket: WS, maxQueueSize: -1 }),
      /`maxQueueSize` must be a positive number/,
    ],
    [
      'bad confirm',
      () =>
        new AuthSocket('ws://h/', { credentials: queryToken({ token: 't' }), WebSocket: WS, confirm: 'yes' as never }),
      /'frame' or 'open'/,
    ],
    ['empty token', () => queryToken({ token: '' }), /empty string/],
  ]
  for (const [name, make, message] of cases) {
    it(`${name}: a clear INVALID_OPTIONS error`, () => {
      let thrown: unknown
      try {
        make()
      } catch (error) {
        thrown = error
        record(error)
      }
      expect(thrown).toBeInstanceOf(AuthSocketError)
      expect((thrown as AuthSocketError).code).toBe('INVALID_OPTIONS')
      expect((thrown as Error).message).toMatch(message)
    })
  }

  it('an http(s) URL becomes ws(s)', () => {
    const socket = new AuthSocket('https://example.test/ws/?token=abc', {
      credentials: queryToken({ token: 't' }),
      WebSocket,
      autoConnect: false,
    })
    expect(socket.url).toBe('wss://example.test/ws/?token=REDACTED')
  })
})
