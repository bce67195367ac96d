/**
 * authsocket from Node against a real Django Channels app (daphne, Channels 4, DRF, simplejwt):
 * every server pattern of the common Channels tutorials, success and failure paths, using only options the
 * README documents.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  AuthSocket,
  chanxStatus,
  cookie,
  firstMessage,
  header,
  queryToken,
  ticket,
  type AuthSocketOptions,
  type CredentialProvider,
  type CredentialReason,
} from '../../../src/index.js'
import { delay, nextEvent, until } from '../../helpers/events.js'
import { track } from '../../helpers/tokens.js'
import { closeAfterTest } from '../../helpers/fixture.js'
import { daphneForFile, post } from './daphne.js'

const django = daphneForFile()

function open(path: string, options: Partial<AuthSocketOptions<any, any>> & { credentials: CredentialProvider }) {
  return closeAfterTest(
    new AuthSocket<any, any>(`${django.ws}${path}`, {
      WebSocket,
      origin: django.origin,
      retryDelay: () => 50,
      ...options,
    }),
  )
}

async function echo(socket: AuthSocket<any, any>) {
  const reply = nextEvent(socket, 'message')
  socket.send({ hello: 'django' })
  expect(await reply).toEqual({ type: 'echo', data: { hello: 'django' } })
}

const drfToken = async (user = 'alice') =>
  track((await post(`${django.http}/api/token/`, { username: user, password: user }, true)).json.token as string)
const jwt = async (user = 'alice', ttl?: number) =>
  track((await post(`${django.http}/api/jwt/`, { username: user, password: user, ttl })).json.access as string)
const cookieFrom = (cookies: string[], name: string) =>
  track(cookies.find((c) => c.startsWith(`${name}=`))!.split(';')[0]!)

describe('Django Channels, from Node', () => {
  it('session cookie with AuthMiddlewareStack: authenticated, echo', async () => {
    const { cookies } = await post(`${django.http}/api/session/`, { username: 'alice', password: 'alice' })
    const socket = open('/ws/session/', { credentials: cookie({ cookie: cookieFrom(cookies, 'sessionid') }) })
    expect((await nextEvent(socket, 'authenticated')).user).toEqual({ id: expect.any(Number), name: 'alice' })
    await echo(socket)
  })

  it("session cookie, not logged in: DRF's 403 fails at once by default, or is retried when classify maps it to 401", async () => {
    const stopped = open('/ws/session/', { credentials: cookie() })
    await expect(stopped.ready).rejects.toMatchObject({
      code: 'FORBIDDEN',
      detail: 'Authentication credentials were not provided.',
    })
    const attempts: number[] = []
    const retried = open('/ws/session/', {
      credentials: cookie(),
      classify: (f) => (f.kind === 'frame' && f.status === 403 ? 'unauthorized' : undefined),
    })
    retried.on('connecting', ({ attempt }) => attempts.push(attempt))
    await expect(retried.ready).rejects.toMatchObject({ code: 'AUTH_FAILURES_EXHAUSTED' })
    expect(attempts).toEqual([1, 2, 3])
  })

  it('DRF Token in the query string: a bad token (a 401 frame, then close 4001) is retried with a fresh one', async () => {
    const good = await drfToken()
    const reasons: CredentialReason[] = []
    const socket = open('/ws/token/', {
      credentials: queryToken({
        token: ({ reason }) => {
          reasons.push(reason)
          return reason === 'initial' ? 'not-a-token' : good
        },
      }),
    })
    const refused = await nextEvent(socket, 'unauthenticated')
    expect(refused).toEqual({ status: 401, detail: 'Invalid token.', willRetry: true })
    const closed = await nextEvent(socket, 'close')
    // The package closes 4001 right after its frame; the client, acting on the frame, may close (1000) first.
    expect([4001, 1000]).toContain(closed.code)
    await socket.ready
    expect(reasons).toEqual(['initial', 'rejected'])
    await echo(socket)
  })

  it(
    "Authorization header on plain Channels (confirm: 'open'): works; a bad token is refused " +
      'at the handshake (HTTP 403) and does not loop',
    async () => {
      const socket = open('/ws/header/', {
        confirm: 'open',
        credentials: header({ token: await drfToken(), scheme: 'Token' }),
      })
      await socket.ready
      await echo(socket)
      const attempts: number[] = []
      const bad = open('/ws/header/', { confirm: 'open', credentials: header({ token: 'bad', scheme: 'Token' }) })
      bad.on('connecting', ({ attempt }) => attempts.push(attempt))
      await expect(bad.ready).rejects.toMatchObject({ code: 'AUTH_FAILURES_EXHAUSTED' })
      await delay(300)
      expect(attempts).toEqual([1, 2, 3])
    },
  )

  it('JWT in a cookie, Chanx camelCase frames: authenticated, expiry read from expiresAt', async () => {
    const { cookies, json } = await post(`${django.http}/api/jwt-cookie/`, { username: 'alice', password: 'alice' })
    const socket = open('/ws/jwt-cookie/', { credentials: cookie({ cookie: cookieFrom(cookies, 'JWT') }) })
    const auth = await nextEvent(socket, 'authenticated')
    expect(auth.expiresAt).toBe(json.exp * 1000)
    await echo(socket)
  })

  it('JWT in the query string with expiry enforced: 2-second tokens refreshed in band, 3 times, no error', async () => {
    const socket = open('/ws/jwt/', { credentials: queryToken({ token: () => jwt('alice', 2) }), refreshMargin: 600 })
    const errors: string[] = []
    socket.on('error', (e) => errors.push(e.code))
    const inBand: boolean[] = []
    socket.on('authenticated', (a) => inBand.push(a.inBand))
    await socket.ready
    for (let i = 0; i < 3; i++) await nextEvent(socket, 'authenticated', () => true, 5000)
    expect(inBand).toEqual([false, true, true, true])
    expect(errors).toEqual([])
    await echo(socket)
  })

  it('an expired JWT is refused, and the token source is asked again with reason "rejected"', async () => {
    const reasons: CredentialReason[] = []
    const socket = open('/ws/jwt/', {
      credentials: queryToken({
        token: ({ reason }) => {
          reasons.push(reason)
          return jwt('alice', reason === 'initial' ? -60 : 60)
        },
      }),
    })
    expect((await nextEvent(socket, 'unauthenticated')).status).toBe(401)
    await socket.ready
    expect(reasons).toEqual(['initial', 'rejected'])
  })

  it('the server closes 4001 when a token expires unrenewed; the client reconnects with a fresh one', async () => {
    // Hide the expiry from the client (no JWT to read, expires_at stripped) so the server's enforcement runs.
    const blind: CredentialProvider = {
      kind: 'opaque-query',
      prepare: async (ctx) => ({ url: `${ctx.url}?token=${await jwt('alice', 1)}`, secretParams: ['token'] }),
    }
    const socket = open('/ws/jwt/', {
      credentials: blind,
      statusParser: (frame) => {
        const verdict = chanxStatus(frame)
        return verdict && { ...verdict, expiresAt: undefined }
      },
    })
    const errors: string[] = []
    socket.on('error', (e) => errors.push(e.code))
    await socket.ready
    const closed = await nextEvent(socket, 'close', () => true, 5000)
    expect(closed).toMatchObject({ code: 4001, willRetry: true, wasAuthenticated: true })
    await nextEvent(socket, 'authenticated')
    expect(errors).toEqual([])
    await echo(socket)
  })

  it(
    'token in the first message ({"token": ...}, the seed format): works; a bad one is closed ' +
      '4001 and retried a bounded number of times',
    async () => {
      const good = await drfToken()
      const socket = open('/ws/first/', { credentials: firstMessage({ token: good, frame: (t) => ({ token: t }) }) })
      await socket.ready
      await echo(socket)
      const bad = open('/ws/first/', { credentials: firstMessage({ token: 'bad', frame: (t) => ({ token: t }) }) })
      const closes: number[] = []
      bad.on('close', (c) => closes.push(c.code))
      await expect(bad.ready).rejects.toMatchObject({ code: 'AUTH_FAILURES_EXHAUSTED' })
      // The third refusal's frame fails the client before its close arrives.
      await until(() => closes.length === 3, 2000, 'the third close')
      expect(closes).toEqual([4001, 4001, 4001])
    },
  )

  it('single-use ticket: a fresh ticket per attempt; a reused ticket is refused', async () => {
    const bearer = await jwt()
    const socket = open('/ws/ticket/', {
      credentials: ticket({ endpoint: `${django.http}/api/ws-ticket/`, token: bearer }),
    })
    await socket.ready
    socket.reconnect()
    await nextEvent(socket, 'authenticated')
    await echo(socket)

    const response = await fetch(`${django.http}/api/ws-ticket/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}` },
    })
    const used = track(((await response.json()) as { ticket: string }).ticket)
    const reuse: CredentialProvider = {
      kind: 'reused-ticket',
      prepare: async (ctx) => ({ url: `${ctx.url}?ticket=${used}`, secretParams: ['ticket'] }),
    }
    const first = open('/ws/ticket/', { credentials: reuse })
    await first.ready
    const second = open('/ws/ticket/', { credentials: reuse, maxAuthFailures: 1 })
    await expect(second.ready).rejects.toMatchObject({ code: 'AUTH_FAILURES_EXHAUSTED' })
  })

  it('forbidden room (object-level permission): bob stops at once with the detail, no retry', async () => {
    const attempts: number[] = []
    const socket = open('/ws/rooms/staff/', { credentials: queryToken({ token: () => jwt('bob') }) })
    socket.on('connecting', ({ attempt }) => attempts.push(attempt))
    await expect(socket.ready).rejects.toMatchObject({ code: 'FORBIDDEN', detail: 'You may not join this room' })
    await delay(1000)
    expect(attempts).toEqual([1])
    const alice = open('/ws/rooms/staff/', { credentials: queryToken({ token: () => jwt('alice') }) })
    await alice.ready
  })

  it(
    'Origin: a foreign one is refused in band (FORBIDDEN with the reason, one attempt); no ' +
      'Origin is refused for a cookie and allowed for a token',
    async () => {
      const attempts: number[] = []
      const foreign = open('/ws/token/', {
        origin: 'https://evil.example',
        credentials: queryToken({ token: await drfToken() }),
      })
      foreign.on('connecting', ({ attempt }) => attempts.push(attempt))
      await expect(foreign.ready).rejects.toMatchObject({
        code: 'FORBIDDEN',
        detail: 'Origin https://evil.example is not allowed.',
      })
      expect(attempts).toEqual([1])
      const { cookies } = await post(`${django.http}/api/session/`, { username: 'alice', password: 'alice' })
      const cookieWithout = closeAfterTest(
        new AuthSocket(`${django.ws}/ws/session/`, {
          WebSocket,
          credentials: cookie({ cookie: cookieFrom(cookies, 'sessionid') }),
        }),
      )
      await expect(cookieWithout.ready).rejects.toMatchObject({
        code: 'FORBIDDEN',
        detail: 'A socket authenticated by cookie must send an Origin header.',
      })
      const tokenWithout = closeAfterTest(
        new AuthSocket(`${django.ws}/ws/token/`, { WebSocket, credentials: queryToken({ token: await drfToken() }) }),
      )
      await tokenWithout.ready
    },
  )
})
