/**
 * The delivery extensions (heartbeat, acknowledged sends, resume) in Chromium against the
 * reference server: through the demo page's buttons, and from the bundle with numbered streams
 * in both directions.
 */
import { expect, test } from '@playwright/test'
import { bundlePage, connectInDemo, resetServer, serverStats, state } from './helpers.js'

test.beforeEach(async ({ request }) => resetServer(request))

test('demo page: "Freeze server" is found by the heartbeat; sent, acknowledged and resumed count what happened', async ({
  page,
  request,
}) => {
  await connectInDemo(page, 'ticket')
  await expect(state(page)).toHaveAttribute('data-state', 'open')
  await page.click('#freeze-btn')
  for (const text of ['m1', 'm2', 'm3']) {
    await page.fill('#chat-input', text)
    await page.click('#send')
  }
  await expect(page.locator('#sent')).toHaveText('3')
  await expect(page.locator('#acknowledged')).toHaveText('0')
  // Found within the page's interval + timeout (5 s + 3 s), then the messages are written again on a new socket.
  await expect(page.locator('#timeline')).toContainText('HEARTBEAT_TIMEOUT', { timeout: 12_000 })
  await expect(page.locator('#acknowledged')).toHaveText('3', { timeout: 10_000 })
  for (const text of ['m1', 'm2', 'm3'])
    await expect(page.locator('#chat-log li', { hasText: `me: ${text}` })).toHaveCount(1)

  await page.evaluate(() => {
    const w = window as unknown as {
      demoSocket: { on(e: string, f: (m: { type: string; n: number }) => void): void }
      ticks: number[]
    }
    w.ticks = []
    w.demoSocket.on('message', (m) => m.type === 'tick' && w.ticks.push(m.n))
  })
  expect((await request.post('/test/stream', { data: { count: 60, every: 10 } })).ok()).toBe(true)
  await page.waitForTimeout(200)
  await page.click('#drop-btn')
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { ticks: number[] }).ticks.length), { timeout: 10_000 })
    .toBe(60)
  expect(await page.evaluate(() => (window as unknown as { ticks: number[] }).ticks)).toEqual(
    Array.from({ length: 60 }, (_, i) => i + 1),
  )
  await expect.poll(async () => Number(await page.locator('#resumed').textContent())).toBeGreaterThan(0)
  expect(Number(await page.locator('#resumed').textContent())).toBe((await serverStats(request)).replayed)
})

test(
  'from the bundle: 200 numbered messages each way while the server drops every socket 3 ' +
    'times and freezes once: 0 lost, 0 duplicated, 0 reordered',
  async ({ page, request }) => {
    await bundlePage(page)
    await page.evaluate(async () => {
      const { AuthSocket } = window as unknown as { AuthSocket: any }
      const login = await fetch('/api/login', {
        method: 'POST',
        body: JSON.stringify({ username: 'alice', password: 'alice' }),
      }).then((r) => r.json())
      const socket = new AuthSocket('/ws', {
        credentials: AuthSocket.ticket({ endpoint: '/api/ws-ticket', token: () => login.token }),
        retryDelay: () => 50,
        heartbeat: { interval: 400, timeout: 400 },
      })
      const w = window as any
      Object.assign(w, { socket, ticks: [], errors: [] })
      socket.on('message', (m: { type: string; n: number }) => m.type === 'tick' && w.ticks.push(m.n))
      socket.on('error', (e: { code: string }) => w.errors.push(e.code))
      await socket.ready
      await new Promise((resolve) => setTimeout(resolve, 50)) // the session frame is in
      ;(async () => {
        for (let n = 1; n <= 200; n++) {
          socket.send({ stream: 'both-ways', n })
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
      })()
    })
    expect((await request.post('/test/stream', { data: { count: 200, every: 10 } })).ok()).toBe(true)
    for (const hook of ['/test/drop', '/test/drop', '/test/freeze', '/test/drop']) {
      await page.waitForTimeout(300)
      expect((await request.post(hook, { data: { ms: 1500 } })).ok()).toBe(true)
    }
    await expect
      .poll(async () => (await serverStats(request)).streams['both-ways']?.received, { timeout: 15_000 })
      .toBe(200)
    await expect.poll(() => page.evaluate(() => (window as any).ticks.length), { timeout: 15_000 }).toBe(200)
    await page.waitForTimeout(300)
    const stats = await serverStats(request)
    expect(stats.streams['both-ways']).toEqual({ last: 200, received: 200, errors: [] })
    expect(await page.evaluate(() => (window as any).ticks)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    expect(stats.resyncs).toBe(0)
    // The frozen server stops reading but goes on streaming: that is life, so no heartbeat death.
    expect(await page.evaluate(() => (window as any).errors)).toEqual([])
  },
)
