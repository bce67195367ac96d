/**
 * Bad input against the package's consumers under daphne: each kind of junk gets an error frame or
 * the close code its kind calls for, the socket (where it stays open) goes on serving, the worker
 * stays up, its log holds no traceback, and no token reaches any log line.
 */
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { until } from '../../helpers/events.js'
import { track } from '../../helpers/tokens.js'
import { daphneForFile, post } from './daphne.js'

const django = daphneForFile()

const jwt = async () =>
  track((await post(`${django.http}/api/jwt/`, { username: 'alice', password: 'alice' })).json.access as string)

interface Raw {
  socket: WebSocket
  frames: Record<string, unknown>[]
  closed: Promise<number>
}

/**
 * A raw socket on `path`, its frames parsed as they come, authenticated (its status frame read) unless `authenticated`
 * is false.
 */
async function raw(path: string, token: string, authenticated = true): Promise<Raw> {
  const socket = new WebSocket(`${django.ws}${path}?token=${token}`, { origin: django.origin })
  const frames: Record<string, unknown>[] = []
  socket.on('message', (data) => frames.push(JSON.parse(String(data))))
  const closed = once(socket, 'close').then(([code]) => code as number)
  await once(socket, 'open')
  if (authenticated) await until(() => frames.length === 1, 3000, 'the status frame')
  return { socket, frames, closed }
}

/** Sends `junk`, then a good frame, and returns what came back for both (the socket still open). */
async function answered(client: Raw, junk: () => void): Promise<unknown[]> {
  const before = client.frames.length
  junk()
  client.socket.send(JSON.stringify({ after: 'junk' }))
  const isAfter = (frame: Record<string, any>) => frame.type === 'echo' && frame.data?.after === 'junk'
  await until(() => client.frames.slice(before).some(isAfter), 3000, 'the echo after the junk')
  return client.frames.slice(before)
}

const echoAfter = { type: 'echo', data: { after: 'junk' } }

describe("bad input against the package's consumers", () => {
  it('each kind of junk is answered, the socket serves on, and nothing reaches the log but access lines', async () => {
    const token = await jwt()
    const client = await raw('/ws/echo/', token)
    const error = (detail: string) => ({ type: 'error', detail })
    const cases: [string, () => void, unknown[]][] = [
      [
        'random bytes (binary)',
        () => client.socket.send(randomBytes(512)),
        [error('Binary frames are not accepted: send JSON text'), echoAfter],
      ],
      ['invalid JSON', () => client.socket.send('{"a": '), [error('Frames must be JSON'), echoAfter]],
      [
        'a number too long for Python',
        () => client.socket.send('1'.repeat(5000)),
        [error('Frames must be JSON'), echoAfter],
      ],
      ['nesting past Python', () => client.socket.send('['.repeat(20_000)), [error('Frames must be JSON'), echoAfter]],
      [
        'nesting past the limit',
        () => client.socket.send('['.repeat(40) + ']'.repeat(40)),
        [error('Frames may nest at most 32 levels'), echoAfter],
      ],
      ['an array', () => client.socket.send('[1, 2]'), [error('Frames must be JSON objects'), echoAfter]],
      ['a string', () => client.socket.send('"text"'), [error('Frames must be JSON objects'), echoAfter]],
      [
        '__proto__',
        () => client.socket.send('{"__proto__": {"admin": true}}'),
        [JSON.parse('{"type": "echo", "data": {"__proto__": {"admin": true}}}'), echoAfter],
      ],
      [
        'an unknown action',
        () => client.socket.send('{"action": "launch"}'),
        [{ type: 'echo', data: { action: 'launch' } }, echoAfter],
      ],
      ['an authenticate frame without a token', () => undefined, [echoAfter]],
    ]
    for (const [what, junk, expected] of cases) {
      expect({ what, got: await answered(client, junk) }).toEqual({ what, got: expected })
    }

    const delivery = await raw('/ws/delivery/', token)
    const session = await answered(delivery, () => delivery.socket.send('{"action": "session", "id": 5}'))
    expect(session).toEqual([error('A session frame needs a string id of 1 to 64 characters'), echoAfter])

    const big = await raw('/ws/echo/', token)
    big.socket.send(JSON.stringify({ text: 'x'.repeat(70_000) }))
    expect(await big.closed).toBe(4009) // daphne cannot send 1009: an application's codes are 1000 and 3000-4999
    expect(big.frames.at(-1)).toEqual(error('Frames may be at most 65536 bytes'))

    // Invalid UTF-8 in a text frame: daphne's WebSocket layer (autobahn) drops the connection (seen here: 1006 at the
    // client).
    const utf8 = await raw('/ws/echo/', token)
    utf8.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })
    expect(await utf8.closed).toBe(1006)

    // Garbage instead of an HTTP request, then a reset mid-handshake.
    for (const bytes of [randomBytes(2048), Buffer.from('GET /ws/echo/ HTTP/1.1\r\nUpgrade: websocket\r\n\r\n')]) {
      const tcp = connect(Number(new URL(django.http).port), '127.0.0.1')
      await once(tcp, 'connect')
      tcp.resume().end(bytes) // read what it answers (a 400), so that the close can come
      await once(tcp, 'close')
    }

    // Junk before authentication, on a first-message consumer: an error frame, then close 4008 at the deadline.
    const early = await raw('/ws/first/', token, false)
    early.socket.send('not json')
    await until(() => early.frames.length === 1, 3000, 'the error frame')
    expect(early.frames).toEqual([error('Frames must be JSON')])
    expect(await early.closed).toBe(4008)

    // The worker is up and serves a new client.
    const after = await raw('/ws/echo/', token)
    expect(await answered(after, () => undefined)).toEqual([echoAfter])
    for (const open of [client, delivery, after]) open.socket.close()

    const log = django.log()
    expect(log).toContain('WSCONNECT /ws/echo/')
    expect(log).not.toContain('Traceback')
    expect(log).not.toContain(token)
    expect(log.split('\n').filter((line) => line && !/^127\.0\.0\.1:\d+ - - \[/.test(line))).toEqual([])
  }, 30_000)
})
