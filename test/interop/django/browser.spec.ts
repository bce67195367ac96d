/**
 * authsocket in Chromium against the Django example app, loaded from one script tag on the app's
 * own origin (so cookies and the Origin check behave as in production): what the provider table
 * (providers.spec.ts) does not cover.
 */
import { expect, test, type Page } from '@playwright/test'

test.beforeEach(async ({ page }) => {
  await page.goto('/page/')
  await page.waitForFunction(() => 'AuthSocket' in window)
})

/** Runs `body` in the page with `AuthSocket`, `post` and `events(socket)` in scope. */
function inPage<T>(page: Page, body: string): Promise<T> {
  return page.evaluate(`(async () => {
    const post = (path, data) => fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) }).then((r) => r.json())
    const postForm = (path, data) => fetch(path, { method: 'POST', body: new URLSearchParams(data) }).then((r) => r.json())
    const echo = (socket) => new Promise((resolve) => { const off = socket.on('message', (m) => { off(); resolve(m) }); socket.send({ hello: 'django' }) })
    const outcome = (socket) => socket.ready.then(() => 'authenticated', (e) => e.code + (e.detail ? ': ' + e.detail : ''))
    ${body}
  })()`) as Promise<T>
}

test("not logged in: DRF's 403 fails at once; classify maps it to a bounded retry", async ({ page }) => {
  const result = await inPage(
    page,
    `
    const a = await outcome(new AuthSocket('/ws/session/', { credentials: AuthSocket.cookie() }))
    const retried = new AuthSocket('/ws/session/', { credentials: AuthSocket.cookie(), retryDelay: () => 50,
      classify: (f) => (f.kind === 'frame' && f.status === 403 ? 'unauthorized' : undefined) })
    let attempts = 0
    retried.on('connecting', () => attempts++)
    return [a, await outcome(retried), attempts]`,
  )
  expect(result).toEqual(['FORBIDDEN: Authentication credentials were not provided.', 'AUTH_FAILURES_EXHAUSTED', 3])
})

test('DRF Token in the query string: a bad token is retried with a fresh one', async ({ page }) => {
  const result = await inPage(
    page,
    `
    const { token } = await postForm('/api/token/', { username: 'alice', password: 'alice' })
    const reasons = []
    const socket = new AuthSocket('/ws/token/', { retryDelay: () => 50, credentials: AuthSocket.queryToken({ token: ({ reason }) => (reasons.push(reason), reason === 'initial' ? 'bad' : token) }) })
    await socket.ready
    return [reasons, await echo(socket)]`,
  )
  expect(result).toEqual([['initial', 'rejected'], { type: 'echo', data: { hello: 'django' } }])
})

test('JWT cookie with camelCase frames', async ({ page }) => {
  const expiresAt = await inPage(
    page,
    `
    const { exp } = await post('/api/jwt-cookie/', { username: 'alice', password: 'alice' })
    const socket = new AuthSocket('/ws/jwt-cookie/', { credentials: AuthSocket.cookie() })
    const auth = await new Promise((resolve) => socket.on('authenticated', resolve))
    return auth.expiresAt === exp * 1000`,
  )
  expect(expiresAt).toBe(true)
})

test('JWT in the query string: 2-second tokens refreshed in band 3 times, no error, no reconnect', async ({ page }) => {
  const result = await inPage(
    page,
    `
    const socket = new AuthSocket('/ws/jwt/', { refreshMargin: 600,
      credentials: AuthSocket.queryToken({ token: async () => (await post('/api/jwt/', { username: 'alice', password: 'alice', ttl: 2 })).access }) })
    const seen = { inBand: [], errors: [], connects: 0 }
    socket.on('authenticated', (a) => seen.inBand.push(a.inBand))
    socket.on('error', (e) => seen.errors.push(e.code))
    socket.on('connecting', () => seen.connects++)
    await new Promise((resolve) => { const t = setInterval(() => seen.inBand.length >= 4 && (clearInterval(t), resolve()), 50) })
    await echo(socket)
    return seen`,
  )
  expect(result).toEqual({ inBand: [false, true, true, true], errors: [], connects: 1 })
})

test('single-use ticket: fresh per attempt; a reused one is refused', async ({ page }) => {
  const result = await inPage(
    page,
    `
    const { access } = await post('/api/jwt/', { username: 'alice', password: 'alice' })
    const socket = new AuthSocket('/ws/ticket/', { credentials: AuthSocket.ticket({ endpoint: '/api/ws-ticket/', token: access }) })
    await socket.ready
    socket.reconnect()
    await new Promise((resolve) => socket.on('authenticated', resolve))
    const { ticket } = await fetch('/api/ws-ticket/', { method: 'POST', headers: { authorization: 'Bearer ' + access } }).then((r) => r.json())
    const reuse = { kind: 'reused', prepare: async (ctx) => ({ url: ctx.url + '?ticket=' + ticket, secretParams: ['ticket'] }) }
    const first = await outcome(new AuthSocket('/ws/ticket/', { credentials: reuse }))
    const second = await outcome(new AuthSocket('/ws/ticket/', { credentials: reuse, maxAuthFailures: 1 }))
    return [first, second]`,
  )
  expect(result).toEqual(['authenticated', 'AUTH_FAILURES_EXHAUSTED'])
})

test(
  'plain Channels refusing at the handshake (the browser sees close 1006) does not loop: ' +
    "confirm: 'open' stops after maxHandshakeFailures",
  async ({ page }) => {
    const result = await inPage(
      page,
      `
    const { token } = await postForm('/api/token/', { username: 'alice', password: 'alice' })
    const good = new AuthSocket('/ws/plain/', { confirm: 'open', credentials: AuthSocket.queryToken({ token }) })
    await good.ready
    const reply = await echo(good)
    const bad = new AuthSocket('/ws/plain/', { confirm: 'open', retryDelay: () => 50, credentials: AuthSocket.queryToken({ token: 'bad' }) })
    const closes = []
    bad.on('close', (c) => closes.push(c.code))
    return [reply.type, await outcome(bad), closes]`,
    )
    expect(result).toEqual(['echo', 'HANDSHAKE_REFUSED', [1006, 1006, 1006, 1006, 1006]])
  },
)

test(
  'the delivery mixin: a consumer frozen 3 s while the page sends 10/s is found by the ' +
    'heartbeat, and 150 streamed messages survive 5 reconnects, each once, in order',
  async ({ page }) => {
    const result = await inPage<{ echoes: string; ticks: string; errors: string[] }>(
      page,
      `
    const token = async () => (await post('/api/jwt/', { username: 'alice', password: 'alice' })).access
    const socket = new AuthSocket('/ws/delivery/', { retryDelay: () => 50, heartbeat: { interval: 400, timeout: 400 }, credentials: AuthSocket.queryToken({ token }) })
    const echoes = [], ticks = [], errors = []
    socket.on('message', (m) => (m.type === 'echo' ? echoes.push(m.data.n) : m.type === 'tick' && ticks.push(m.n)))
    socket.on('error', (e) => errors.push(e.code))
    const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
    const until = async (check) => { for (let i = 0; i < 200 && !check(); i++) await wait(50) }
    await socket.ready
    socket.send({ type: 'freeze', ms: 3000 })
    for (let n = 1; n <= 40; n++) { socket.send({ n }); await wait(100) }
    await until(() => echoes.length >= 40)
    socket.send({ type: 'stream', count: 150, every: 10 })
    for (let i = 0; i < 5; i++) { await wait(150); socket.reconnect() }
    await until(() => ticks.length >= 150)
    await wait(200)
    socket.close()
    return { echoes: echoes.join(','), ticks: ticks.join(','), errors }`,
    )
    const upTo = (count: number) => Array.from({ length: count }, (_, i) => i + 1).join(',')
    expect({ echoes: result.echoes, ticks: result.ticks }).toEqual({ echoes: upTo(40), ticks: upTo(150) })
    // The freeze message itself is handled again on each new socket until one handling commits (a
    // worker killed mid-handling must deliver nothing), so the heartbeat may find a frozen consumer
    // more than once; never another error.
    expect(result.errors.length).toBeGreaterThanOrEqual(1)
    expect(new Set(result.errors)).toEqual(new Set(['HEARTBEAT_TIMEOUT']))
  },
)
