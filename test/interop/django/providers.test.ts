/**
 * Every credential provider against the Django example app built on authsocket-channels, from
 * Node: accepted; refused (a 401 frame, close 4001, `failed` after `maxAuthFailures`); expired
 * (refreshed in band, and by reconnecting where the consumer does not re-authenticate in band);
 * forbidden (a 403 frame, close 4003, no retry). One table, one row per provider.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  AuthSocket,
  cookie,
  firstMessage,
  header,
  queryToken,
  subprotocol,
  ticket,
  type AuthSocketOptions,
  type CredentialProvider,
} from '../../../src/index.js'
import { nextEvent, until } from '../../helpers/events.js'
import { track } from '../../helpers/tokens.js'
import { closeAfterTest } from '../../helpers/fixture.js'
import { daphneForFile, post } from './daphne.js'

const django = daphneForFile()

type User = 'alice' | 'bob'

const jwt = async (user: User, ttl?: number) =>
  track((await post(`${django.http}/api/jwt/`, { username: user, password: user, ttl })).json.access as string)
const drf = async (user: User) =>
  track((await post(`${django.http}/api/token/`, { username: user, password: user }, true)).json.token as string)
async function sessionCookie(user: User): Promise<string> {
  const { cookies } = await post(`${django.http}/api/session/`, { username: user, password: user })
  return track(cookies.find((c) => c.startsWith('sessionid='))!.split(';')[0]!)
}

interface Row {
  name: string
  /** The consumer's path for `echo` (re-authenticates in band), `no-reauth`, or a room. */
  path: (route: 'echo' | 'no-reauth' | 'rooms/staff') => string
  /** A fresh credential of `user` each attempt; `ttl` seconds where the credential expires. */
  good: (user: User, ttl?: number) => CredentialProvider
  bad: () => CredentialProvider
  /** The credential carries an expiry (a JWT); `inBand`: the provider can re-authenticate on the open socket. */
  expires?: { inBand: boolean }
}

const handshake = (route: string) => `/ws/${route}/`
const first = (route: string) => (route === 'echo' ? '/ws/first/' : `/ws/first/${route}/`)

const rows: Row[] = [
  {
    name: 'session cookie',
    path: handshake,
    good: (user) => cookie({ cookie: () => sessionCookie(user) }),
    bad: () => cookie({ cookie: 'sessionid=not-a-session' }),
  },
  {
    name: 'JWT cookie',
    path: handshake,
    good: (user, ttl) => cookie({ cookie: async () => `JWT=${await jwt(user, ttl)}` }),
    bad: () => cookie({ cookie: 'JWT=not-a-token' }),
    expires: { inBand: false },
  },
  {
    name: 'query, simplejwt',
    path: handshake,
    good: (user, ttl) => queryToken({ token: () => jwt(user, ttl) }),
    bad: () => queryToken({ token: 'not-a-token' }),
    expires: { inBand: true },
  },
  {
    name: 'query, DRF token',
    path: handshake,
    good: (user) => queryToken({ token: () => drf(user) }),
    bad: () => queryToken({ token: 'not-a-token' }),
  },
  {
    name: 'Authorization: Bearer',
    path: handshake,
    good: (user, ttl) => header({ token: () => jwt(user, ttl) }),
    bad: () => header({ token: 'not-a-token' }),
    expires: { inBand: true },
  },
  {
    name: 'Authorization: Token',
    path: handshake,
    good: (user) => header({ token: () => drf(user), scheme: 'Token' }),
    bad: () => header({ token: 'not-a-token', scheme: 'Token' }),
  },
  {
    name: 'subprotocol bearer',
    path: handshake,
    good: (user, ttl) => subprotocol({ token: () => jwt(user, ttl) }),
    bad: () => subprotocol({ token: 'not-a-token' }),
    expires: { inBand: true },
  },
  {
    name: 'ticket',
    path: handshake,
    good: (user) => ticket({ endpoint: `${django.http}/api/ws-ticket/`, token: () => jwt(user) }),
    bad: () => ({
      kind: 'bad-ticket',
      prepare: async (ctx) => ({ url: `${ctx.url}?ticket=${'A'.repeat(32)}`, secretParams: ['ticket'] }),
    }),
  },
  {
    name: 'first message',
    path: first,
    good: (user, ttl) => firstMessage({ token: () => jwt(user, ttl) }),
    bad: () => firstMessage({ token: 'not-a-token' }),
    expires: { inBand: true },
  },
]

function open(path: string, credentials: CredentialProvider, options: Partial<AuthSocketOptions<any, any>> = {}) {
  const socket = closeAfterTest(
    new AuthSocket<any, any>(`${django.ws}${path}`, {
      WebSocket,
      origin: django.origin,
      retryDelay: () => 50,
      credentials,
      ...options,
    }),
  )
  const seen = { attempts: 0, errors: [] as string[], inBand: [] as boolean[], refusals: [] as number[] }
  socket.on('connecting', () => seen.attempts++)
  socket.on('error', (e) => seen.errors.push(e.code))
  socket.on('authenticated', (a) => seen.inBand.push(a.inBand))
  socket.on('unauthenticated', (u) => seen.refusals.push(u.status))
  return { socket, seen }
}

async function echo(socket: AuthSocket<any, any>) {
  const reply = nextEvent(socket, 'message')
  socket.send({ hello: 'django' })
  expect(await reply).toEqual({ type: 'echo', data: { hello: 'django' } })
}

describe.each(rows)('$name', (row) => {
  it('accepted: the 200 frame names the user, and messages go both ways', async () => {
    const { socket } = open(row.path('echo'), row.good('alice'))
    const authenticated = nextEvent(socket, 'authenticated')
    await socket.ready
    expect((await authenticated).user).toEqual({ id: expect.any(Number), name: 'alice' })
    await echo(socket)
  })

  it('refused: a 401 frame each time, and failed after maxAuthFailures (3) attempts', async () => {
    const { socket, seen } = open(row.path('echo'), row.bad())
    await expect(socket.ready).rejects.toMatchObject({ code: 'AUTH_FAILURES_EXHAUSTED' })
    await until(() => seen.refusals.length === 3, 2000, 'the third refusal event')
    expect(seen.refusals).toEqual([401, 401, 401])
    expect(seen.attempts).toBe(3)
    expect(socket.state).toBe('failed')
  })

  it('forbidden: a 403 frame with the reason, and no second attempt', async () => {
    const { socket, seen } = open(row.path('rooms/staff'), row.good('bob'))
    await expect(socket.ready).rejects.toMatchObject({ code: 'FORBIDDEN', detail: 'You may not join this room' })
    expect(socket.state).toBe('failed') // a failed client makes no further attempt
    expect(seen.attempts).toBe(1)
  })

  // In band on a consumer that re-authenticates (where the provider can); by reconnecting on one that does not.
  const renewals = row.expires
    ? (
        [
          ['in band', 'echo'],
          ['by reconnect', 'no-reauth'],
        ] as const
      ).filter(([how]) => how !== 'in band' || row.expires!.inBand)
    : []
  for (const [how, route] of renewals) {
    it(`expired, ${how}: 2-second tokens renewed twice`, async () => {
      const { socket, seen } = open(row.path(route), row.good('alice', 2), { refreshMargin: 600 })
      await until(() => seen.inBand.length >= 3, 8000, 'two renewals')
      const inBand = how === 'in band'
      expect(seen.inBand.slice(0, 3)).toEqual([false, inBand, inBand])
      if (inBand) expect(seen.attempts).toBe(1)
      else expect(seen.attempts).toBeGreaterThanOrEqual(3)
      expect(seen.errors).toEqual([])
      await echo(socket)
    })
  }
})
