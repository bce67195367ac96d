/**
 * Every provider a browser can use, in Chromium against the Django example app built on
 * authsocket-channels (the client from one script tag on the app's own origin): accepted; refused
 * (401 frames, failed after 3 attempts); forbidden (403, one attempt); expired, renewed in band
 * or by reconnecting. Plus the session-authenticated ticket fetch, which needs Django's CSRF token.
 */
import { expect, test, type Page } from '@playwright/test'

test.beforeEach(async ({ page }) => {
  await page.goto('/page/')
  await page.waitForFunction(() => 'AuthSocket' in window)
})

/** Page helpers: sign-in calls, and `watch(socket)` recording what a socket reports. */
const HELPERS = `
  const post = (path, data) => fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) }).then((r) => r.json())
  const jwt = async (user, ttl) => (await post('/api/jwt/', { username: user, password: user, ttl })).access
  const drf = async (user) => (await fetch('/api/token/', { method: 'POST', body: new URLSearchParams({ username: user, password: user }) }).then((r) => r.json())).token
  const login = (user) => post('/api/session/', { username: user, password: user })
  const jwtCookie = (user, ttl) => post('/api/jwt-cookie/', { username: user, password: user, ttl })
  const csrf = () => document.cookie.split('; ').find((c) => c.startsWith('csrftoken='))?.slice('csrftoken='.length)
  const junkTicket = { kind: 'junk-ticket', prepare: async (ctx) => ({ url: ctx.url + '?ticket=' + 'A'.repeat(32), secretParams: ['ticket'] }) }
  const watch = (socket) => {
    const seen = { attempts: 0, refusals: [], inBand: [], errors: [], user: undefined }
    socket.on('connecting', () => seen.attempts++)
    socket.on('unauthenticated', (u) => seen.refusals.push(u.status))
    socket.on('authenticated', (a) => { seen.inBand.push(a.inBand); seen.user = a.user })
    socket.on('error', (e) => seen.errors.push(e.code))
    return seen
  }
  const echo = (socket) => new Promise((resolve) => { const off = socket.on('message', (m) => { off(); resolve(m) }); socket.send({ hello: 'django' }) })
  const outcome = (socket) => socket.ready.then(() => 'authenticated', (e) => e.code + (e.detail ? ': ' + e.detail : ''))
  const until = async (check, ms = 8000) => { const end = Date.now() + ms; while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 25)) }
`

interface Row {
  name: string
  /** The socket's path for `echo`, `no-reauth` or a room. */
  path: (route: string) => string
  /** Page code run first for `user` (a sign-in that sets a cookie), if any. */
  setup?: (user: string, ttl: number | null) => string
  /** The provider, as page code, for `user` and `ttl` (null: the server's default lifetime). */
  good: (user: string, ttl: number | null) => string
  /** Page code for a provider whose credential the server refuses (run with no sign-in). */
  bad: string
  expires?: 'in band' | 'by reconnect'
}

const handshake = (route: string) => `/ws/${route}/`

const rows: Row[] = [
  {
    name: 'session cookie',
    path: handshake,
    setup: (user) => `await login('${user}')`,
    good: () => 'AuthSocket.cookie()',
    bad: 'AuthSocket.cookie()',
  },
  {
    name: 'JWT cookie',
    path: handshake,
    setup: (user, ttl) => `await jwtCookie('${user}', ${ttl})`,
    good: (user, ttl) =>
      `AuthSocket.cookie({ beforeConnect: ({ reason }) => reason === 'initial' ? undefined : jwtCookie('${user}', ${ttl}) })`,
    bad: `(document.cookie = 'JWT=not-a-token; path=/', AuthSocket.cookie())`,
    expires: 'by reconnect',
  },
  {
    name: 'query, simplejwt',
    path: handshake,
    good: (user, ttl) => `AuthSocket.queryToken({ token: () => jwt('${user}', ${ttl}) })`,
    bad: `AuthSocket.queryToken({ token: 'not-a-token' })`,
  },
  {
    name: 'query, DRF token',
    path: handshake,
    good: (user) => `AuthSocket.queryToken({ token: () => drf('${user}') })`,
    bad: `AuthSocket.queryToken({ token: 'not-a-token' })`,
  },
  {
    name: 'subprotocol bearer',
    path: handshake,
    good: (user, ttl) => `AuthSocket.subprotocol({ token: () => jwt('${user}', ${ttl}) })`,
    bad: `AuthSocket.subprotocol({ token: 'not-a-token' })`,
    expires: 'in band',
  },
  {
    name: 'ticket, Bearer',
    path: handshake,
    good: (user) => `AuthSocket.ticket({ endpoint: '/api/ws-ticket/', token: () => jwt('${user}') })`,
    bad: 'junkTicket',
  },
  {
    name: 'ticket, session and CSRF',
    path: handshake,
    setup: (user) => `await login('${user}')`,
    good: () => `AuthSocket.ticket({ endpoint: '/api/ws-ticket/', headers: () => ({ 'X-CSRFToken': csrf() }) })`,
    bad: 'junkTicket',
  },
  {
    name: 'first message',
    path: (route) => (route === 'echo' ? '/ws/first/' : `/ws/first/${route}/`),
    good: (user, ttl) => `AuthSocket.firstMessage({ token: () => jwt('${user}', ${ttl}) })`,
    bad: `AuthSocket.firstMessage({ token: 'not-a-token' })`,
    expires: 'in band',
  },
]

function inPage<T>(page: Page, body: string): Promise<T> {
  return page.evaluate(`(async () => { ${HELPERS}\n${body} })()`) as Promise<T>
}

for (const row of rows) {
  test.describe(row.name, () => {
    test('accepted', async ({ page }) => {
      const result = await inPage(
        page,
        `
        ${row.setup?.('alice', null) ?? ''}
        const socket = new AuthSocket('${row.path('echo')}', { credentials: ${row.good('alice', null)} })
        const seen = watch(socket)
        await socket.ready
        const reply = await echo(socket)
        socket.close()
        return [seen.user.name, reply]`,
      )
      expect(result).toEqual(['alice', { type: 'echo', data: { hello: 'django' } }])
    })

    test('refused: 401 frames, failed after 3 attempts', async ({ page }) => {
      const result = await inPage(
        page,
        `
        const socket = new AuthSocket('${row.path('echo')}', { retryDelay: () => 50, credentials: ${row.bad} })
        const seen = watch(socket)
        const result = await outcome(socket)
        await until(() => seen.refusals.length >= 3, 2000)
        return [result, seen.refusals, seen.attempts]`,
      )
      expect(result).toEqual(['AUTH_FAILURES_EXHAUSTED', [401, 401, 401], 3])
    })

    test('forbidden: the reason, one attempt', async ({ page }) => {
      const result = await inPage(
        page,
        `
        ${row.setup?.('bob', null) ?? ''}
        const socket = new AuthSocket('${row.path('rooms/staff')}', { credentials: ${row.good('bob', null)} })
        const seen = watch(socket)
        return [await outcome(socket), socket.state, seen.attempts]`,
      )
      expect(result).toEqual(['FORBIDDEN: You may not join this room', 'failed', 1])
    })

    if (row.expires) {
      test(`expired: 2-second credentials renewed ${row.expires}, twice`, async ({ page }) => {
        const result = await inPage<{ inBand: boolean[]; attempts: number; errors: string[]; reply: unknown }>(
          page,
          `
          ${row.setup?.('alice', 2) ?? ''}
          const socket = new AuthSocket('${row.path('echo')}', { refreshMargin: 600, credentials: ${row.good('alice', 2)} })
          const seen = watch(socket)
          await until(() => seen.inBand.length >= 3)
          const reply = await echo(socket)
          socket.close()
          return { inBand: seen.inBand.slice(0, 3), attempts: seen.attempts, errors: seen.errors, reply }`,
        )
        const inBand = row.expires === 'in band'
        expect(result.inBand).toEqual([false, inBand, inBand])
        expect(result.errors).toEqual([])
        if (inBand) expect(result.attempts).toBe(1)
        else expect(result.attempts).toBeGreaterThanOrEqual(3)
        expect(result.reply).toEqual({ type: 'echo', data: { hello: 'django' } })
      })
    }
  })
}

test('a session-authenticated ticket fetch without the CSRF token is refused by the endpoint (the control)', async ({
  page,
}) => {
  const result = await inPage<[string, string, number]>(
    page,
    `
    await login('alice')
    const socket = new AuthSocket('/ws/echo/', { retryDelay: () => 50, credentials: AuthSocket.ticket({ endpoint: '/api/ws-ticket/' }) })
    const seen = watch(socket)
    const error = await socket.ready.then(() => undefined, (e) => e)
    return [error.code, error.message, seen.attempts]`,
  )
  expect(result[0]).toBe('AUTH_FAILURES_EXHAUSTED')
  expect(result[1]).toMatch(/credential endpoint refused 3 fresh credentials in a row \(last 403\)/)
})
