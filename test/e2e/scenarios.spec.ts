import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test, type Page } from '@playwright/test'
import { bundlePage, connectInDemo, resetServer, serverStats, state } from './helpers.js'

test.beforeEach(async ({ request }) => resetServer(request))

/**
 * In the page: signs in with `ttl`-second credentials, connects with `provider`, and sends
 * numbered messages on stream `stream` every 20 ms until `refreshes` refreshes happened.
 */
async function numberedSession(
  page: Page,
  provider: 'query' | 'cookie' | 'ticket',
  stream: string,
  ttl: number,
  refreshes: number,
) {
  await bundlePage(page)
  return page.evaluate(
    async ({ provider, stream, ttl, refreshes }) => {
      const { AuthSocket } = window as unknown as { AuthSocket: any }
      const post = (path: string, body: unknown) =>
        fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((r) => r.json())
      let tokens = await post('/api/login', { username: 'alice', password: 'alice', ttl })
      await post('/api/session', { username: 'alice', password: 'alice', ttl })
      const token = async ({ reason }: { reason: string }) => {
        if (reason !== 'initial') tokens = await post('/api/refresh', { refreshToken: tokens.refreshToken, ttl })
        return tokens.token
      }
      const credentials =
        provider === 'cookie'
          ? AuthSocket.cookie({ beforeConnect: () => post('/api/session/refresh', {}) })
          : provider === 'ticket'
            ? AuthSocket.ticket({ endpoint: '/api/ws-ticket', token })
            : AuthSocket.queryToken({ token })
      const socket = new AuthSocket('/ws', { credentials, refreshMargin: 1000, retryDelay: () => 50 })
      const seen = { refresh: [] as boolean[], errors: [] as string[] }
      socket.on('refresh', (e: { inBand: boolean }) => seen.refresh.push(e.inBand))
      socket.on('error', (e: { code: string }) => seen.errors.push(e.code))
      let n = 0
      const timer = setInterval(() => socket.send({ stream, n: ++n }), 20)
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (seen.refresh.length < refreshes) return
          clearInterval(check)
          resolve()
        }, 50)
      })
      clearInterval(timer)
      await socket.ready
      socket.send({ stream, n: ++n })
      return { sent: n, ...seen }
    },
    { provider, stream, ttl, refreshes },
  )
}

for (const [provider, inBand] of [
  ['query', true],
  ['cookie', false],
] as const) {
  test(`short-lived credentials: 3 refreshes ${inBand ? 'in band' : 'by reconnect'}, no message lost or reordered`, async ({
    page,
    request,
  }) => {
    const result = await numberedSession(page, provider, `refresh-${provider}`, 3, 3)
    expect(result.refresh.length).toBeGreaterThanOrEqual(3)
    expect(result.refresh.every((b) => b === inBand)).toBe(true)
    expect(result.errors).toEqual([])
    await expect
      .poll(async () => (await serverStats(request)).streams[`refresh-${provider}`]?.received)
      .toBe(result.sent)
    const stats = await serverStats(request)
    const stream = stats.streams[`refresh-${provider}`]!
    expect(stream.errors).toEqual([])
    expect(stream.received).toBe(result.sent)
    expect(stream.last).toBe(result.sent)
    if (inBand) expect(stats.inBandReauths).toBeGreaterThanOrEqual(3)
    else expect(stats.authenticated).toBeGreaterThanOrEqual(4)
  })
}

test('the server drops every socket: a fresh ticket per attempt, and the messages queued in the outage arrive', async ({
  page,
  request,
}) => {
  await bundlePage(page)
  await page.evaluate(async () => {
    const { AuthSocket } = window as unknown as { AuthSocket: any }
    const login = await fetch('/api/login', {
      method: 'POST',
      body: JSON.stringify({ username: 'alice', password: 'alice' }),
    }).then((r) => r.json())
    const socket = new AuthSocket('/ws', {
      credentials: AuthSocket.ticket({ endpoint: '/api/ws-ticket', token: () => login.token }),
      retryDelay: () => 200,
    })
    ;(window as any).socket = socket
    ;(window as any).echoes = 0
    socket.on('message', () => (window as any).echoes++)
    await socket.ready
  })
  expect((await request.post('/test/pause')).ok()).toBe(true)
  expect((await request.post('/test/drop')).ok()).toBe(true)
  await expect.poll(() => page.evaluate(() => (window as any).socket.state)).toBe('reconnecting')
  await page.evaluate(() => {
    for (let n = 1; n <= 5; n++) (window as any).socket.send({ stream: 'outage', n })
  })
  expect(await page.evaluate(() => (window as any).socket.queued)).toBe(5)
  await page.waitForTimeout(700) // a few refused attempts while paused
  expect((await request.post('/test/resume')).ok()).toBe(true)
  await expect.poll(() => page.evaluate(() => (window as any).echoes), { timeout: 10_000 }).toBe(5)
  const stats = await serverStats(request)
  expect(stats.attempts).toBeGreaterThanOrEqual(3)
  expect(stats.ticketsIssued).toBe(stats.attempts)
  expect(stats.streams.outage).toEqual({ last: 5, received: 5, errors: [] })
})

test("forbidden room: bob ends failed with the server's detail, and makes no attempt for 10 s", async ({
  page,
  request,
}) => {
  await connectInDemo(page, 'ticket', { user: 'bob', room: 'staff' })
  await expect(state(page)).toHaveAttribute('data-state', 'failed')
  await expect(page.locator('#timeline')).toContainText('You may not join this room')
  await page.waitForTimeout(10_000)
  const stats = await serverStats(request)
  expect(stats.attemptsByRoom.staff).toBe(1)
  await expect(state(page)).toHaveAttribute('data-state', 'failed')
})

test('foreign origin: a page on another origin is refused in cookie mode (CSWSH)', async ({
  page,
  request,
  baseURL,
}) => {
  // Sign in on the real origin: the browser now holds the session cookie for 127.0.0.1.
  await connectInDemo(page, 'cookie')
  await expect(state(page)).toHaveAttribute('data-state', 'open')
  const wsUrl = baseURL!.replace(/^http/, 'ws') + '/ws'
  // The attacker's page: same site (127.0.0.1), another origin (port), so the cookie is sent.
  const evil: Server = createServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(`<!doctype html><script src="${baseURL}/authsocket.iife.min.js"></script>`)
  })
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve))
  try {
    const evilPage = await page.context().newPage()
    await evilPage.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`)
    const outcome = await evilPage.evaluate(async (url) => {
      const { AuthSocket } = window as unknown as { AuthSocket: any }
      const socket = new AuthSocket(url, { credentials: AuthSocket.cookie() })
      return socket.ready.then(
        () => 'authenticated',
        (e: { code: string; detail?: string; message: string }) => `${e.code}: ${e.detail} | ${e.message}`,
      )
    }, wsUrl)
    expect(outcome).toMatch(/^FORBIDDEN: Origin http:\/\/127\.0\.0\.1:\d+ is not allowed/)
    expect(outcome).toMatch(/is not allowed"; not retrying\.$/) // the message says origin not allowed, and does not suggest classify
    expect((await serverStats(request)).originRefused).toBe(1)
  } finally {
    evil.close()
  }
})

test('CDN page: one script tag, no bundler; the global carries exactly the names the README lists', async ({
  page,
}) => {
  await page.goto('/cdn.html')
  const names = await page.evaluate(() => Object.keys((window as unknown as { AuthSocket: object }).AuthSocket).sort())
  const readme = readFileSync('README.md', 'utf8')
  const paragraph = readme.slice(readme.indexOf('the IIFE bundle defines one global'), readme.indexOf('```html'))
  const listed = new Set([...paragraph.matchAll(/`(?:AuthSocket\.)?([A-Za-z]+)`/g)].map((m) => m[1]!))
  expect(names).toEqual([...listed].sort())
  await expect(page.locator('#state')).toHaveText('state: open')
  await expect(page.locator('#log')).toContainText('authenticated as {"name":"alice"}')
  await expect(page.locator('#log')).toContainText(
    'received {"type":"echo","data":{"type":"chat","text":"hello from a script tag"}}',
  )
  // The IIFE compiles reconnecting-websocket from its source (vite.config.ts): its reconnect path works too.
  await page.request.post('/test/drop')
  await expect(page.locator('#log')).toContainText(/authenticated as[\s\S]*authenticated as/)
  await expect(page.locator('#state')).toHaveText('state: open')
  await expect(page.locator('#log')).not.toContainText('error ')
})

test('base CDN page: the base file alone connects and echoes; its global is the full one without AuthSocket, the features, the store and Observable functions, graphql-ws and sharedAcrossTabs', async ({
  page,
}) => {
  await page.goto('/cdn-base.html')
  const names = await page.evaluate(() =>
    Object.keys((window as unknown as { BaseAuthSocket: object }).BaseAuthSocket).sort(),
  )
  await page.goto('/cdn.html?manual')
  const full = await page.evaluate(() => Object.keys((window as unknown as { AuthSocket: object }).AuthSocket).sort())
  const notInBase = [
    ...['AuthSocket', 'Heartbeat', 'Delivery', 'PageLifecycle', 'SharedSocket'],
    ...['statusStore', 'messages', 'graphqlWs', 'graphqlWsAck', 'graphqlWsControl', 'sharedAcrossTabs'],
  ]
  expect(names).toEqual(full.filter((name) => !notInBase.includes(name)))
  await page.goto('/cdn-base.html')
  await expect(page.locator('#state')).toHaveText('state: open')
  await expect(page.locator('#log')).toContainText(
    'received {"type":"echo","data":{"type":"chat","text":"hello from a script tag"}}',
  )
  await expect(page.locator('#log')).not.toContainText('error ')
})

test('screenshot: the demo page after a session with refreshes', async ({ page }) => {
  await connectInDemo(page, 'ticket', { ttl: 4 })
  await expect(state(page)).toHaveAttribute('data-state', 'open')
  for (const text of ['hi from alice', 'tokens refresh in the background', 'queued messages arrive in order']) {
    await page.fill('#chat-input', text)
    await page.click('#send')
  }
  await expect(page.locator('#refreshes')).toHaveText('3', { timeout: 20_000 })
  await page.fill('#chat-input', 'still here after 3 refreshes')
  await page.click('#send')
  await expect(page.locator('#chat-log li.me')).toHaveCount(4)
  // UPDATE_DOCS=1 refreshes the README's picture; otherwise the run leaves the tree clean.
  await page.screenshot({ path: process.env.UPDATE_DOCS ? 'docs/demo.png' : 'test-results/demo.png', fullPage: true })
})
