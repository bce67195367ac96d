/**
 * Frozen and hidden pages in Chromium (issue 15), over a raw DevTools connection (test/e2e/cdp.ts):
 * Playwright keeps its pages visible, so its CDP freeze freezes nothing. Against the reference
 * server. Each test has its positive control: a page timer that must stop while frozen, and one
 * that must run a minute late while throttled.
 */
import { expect, test } from '@playwright/test'
import { rawChromium, type RawPage } from './cdp.js'
import { resetServer, serverStats } from './helpers.js'

test.beforeEach(async ({ request }) => resetServer(request))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `expression` in the page until it is true. */
async function until(page: RawPage, expression: string, timeout: number, what: string): Promise<void> {
  const end = Date.now() + timeout
  while (!(await page.evaluate<boolean>(expression))) {
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`)
    await sleep(100)
  }
}

/** Signs alice in (a token for `ttl` s) and opens `window.socket` with `options` (a JS object literal). */
const connect = (options: string, ttl = 600) => `(async () => {
  const login = await fetch('/api/login', { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'alice', ttl: ${ttl} }) }).then((r) => r.json())
  const w = window
  Object.assign(w, { ticks: [], errors: [], authenticatedAt: [], resumedAt: [], sent: 0 })
  w.socket = new AuthSocket('/ws', { ...${options}, credentials: AuthSocket.ticket({ endpoint: '/api/ws-ticket', token: () => login.token }) })
  w.socket.on('message', (m) => m.type === 'tick' && w.ticks.push(m.n))
  w.socket.on('error', (e) => w.errors.push([e.code, performance.now()]))
  w.socket.on('authenticated', () => w.authenticatedAt.push(performance.now()))
  document.addEventListener('resume', () => w.resumedAt.push(performance.now()))
  await w.socket.ready
  await new Promise((resolve) => setTimeout(resolve, 50)) // the session frame is in
})()`

test(
  'frozen 3 times while the server streams and the page sends: a clean close on freeze, open ' +
    'again at once on resume, 0 lost, 0 duplicated, 0 errors',
  async ({ request, baseURL }) => {
    const page = await rawChromium(`${baseURL}/cdn.html?manual`)
    try {
      // The control: a 10 ms timer whose ticks must stop while the page is frozen (a hidden page's
      // still run about once a second), and the page's own freeze events.
      await page.evaluate(
        `window.beats = []; window.freezes = 0; setInterval(() => ` +
          `window.beats.push(performance.now()), 10); document.addEventListener('freeze', () => ` +
          `window.freezes++); 1`,
      )
      await page.evaluate(connect('{ retryDelay: () => 5000 }')) // a backoff would show
      await page.evaluate(
        `window.sender = setInterval(() => window.socket.send({ stream: 'frozen', n: ++window.sent }), 20); 1`,
      )
      expect((await request.post('/test/stream', { data: { count: 300, every: 20 } })).ok()).toBe(true)
      const frozenAt: number[] = []
      for (let i = 0; i < 3; i++) {
        await sleep(500)
        frozenAt.push(await page.evaluate<number>('performance.now()'))
        await page.lifecycle('frozen')
        await sleep(2500)
        await page.lifecycle('active')
        await until(page, `window.authenticatedAt.length === ${i + 2}`, 5000, `authentication ${i + 2}`)
      }
      await until(page, 'window.ticks.length >= 300', 15_000, 'the 300 ticks')
      const seen = await page.evaluate<{
        ticks: number[]
        errors: unknown[]
        sent: number
        gaps: number[]
        freezes: number
        beatsWhileFrozen: number[]
      }>(`(() => {
      const w = window
      clearInterval(w.sender)
      const frozenAt = ${JSON.stringify(frozenAt)}
      return {
        ticks: w.ticks, errors: w.errors, sent: w.sent, freezes: w.freezes,
        gaps: w.resumedAt.map((t, i) => w.authenticatedAt[i + 1] - t),
        beatsWhileFrozen: frozenAt.map((at, i) => w.beats.filter((t) => t > at + 100 && t < w.resumedAt[i] - 100).length),
      }
    })()`)
      // The control: the page really was frozen, 3 times (the freezes lasted 2.5 s: a hidden page's timer
      // ticks twice in that).
      expect(seen.freezes).toBe(3)
      expect(seen.beatsWhileFrozen).toEqual([0, 0, 0])
      await expect
        .poll(async () => (await serverStats(request)).streams.frozen?.received, { timeout: 5000 })
        .toBeGreaterThanOrEqual(seen.sent)
      const stats = await serverStats(request)
      expect(seen.ticks).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
      expect(stats.streams.frozen!.errors).toEqual([])
      expect(stats.streams.frozen!.received).toBe(stats.streams.frozen!.last)
      expect(seen.errors).toEqual([])
      // The previous build: Chromium cut the socket (1001 at the server), the page saw 1006 on resume and waited its
      // backoff.
      expect(stats.closeCodes).toEqual({ 1000: 3 })
      expect(seen.gaps).toHaveLength(3)
      for (const gap of seen.gaps) expect(gap).toBeLessThan(500) // resume to authenticated: a ticket and a handshake
      console.log(`resume → authenticated (ms): ${seen.gaps.map((g) => g.toFixed(0)).join(', ')}`)
    } finally {
      await page.close()
    }
  },
)

test(
  'hidden and throttled (timers a minute late): a healthy connection is never declared dead; ' +
    'a frozen server is found within interval + timeout',
  async ({ request, baseURL }) => {
    test.setTimeout(180_000)
    const page = await rawChromium(`${baseURL}/cdn.html?manual`, ['IntensiveWakeUpThrottling:grace_period_seconds/10'])
    try {
      await page.lifecycle('frozen') // frozen then thawed: the page stays hidden, as a background tab
      await page.lifecycle('active')
      expect(await page.evaluate('document.visibilityState')).toBe('hidden')
      // The control: a chain of 1 s timers, which Chrome runs once a minute in a tab hidden for long enough.
      await page.evaluate(
        `window.lateness = []; (function tick(due) { setTimeout(() => { ` +
          `window.lateness.push(Date.now() - due); tick(Date.now() + 1000) }, 1000) })(Date.now() + ` +
          `1000); 1`,
      )
      await page.evaluate(connect('{ heartbeat: { interval: 3000, timeout: 2000 } }'))
      await until(
        page,
        'window.lateness.some((ms) => ms > 30000)',
        150_000,
        'a timer a minute late (the throttling is live)',
      )
      const healthy = await page.evaluate<{ errors: unknown[]; authentications: number }>(
        '({ errors: window.errors, authentications: window.authenticatedAt.length })',
      )
      expect(healthy).toEqual({ errors: [], authentications: 1 }) // through a throttled minute: no false death
      const frozenAt = await page.evaluate<number>('performance.now()')
      expect((await request.post('/test/freeze', { data: { ms: 30_000 } })).ok()).toBe(true)
      await until(
        page,
        `window.errors.some(([code]) => code === 'HEARTBEAT_TIMEOUT')`,
        90_000,
        'the heartbeat to find the frozen server',
      )
      const diedAt = await page.evaluate<number>(`window.errors.find(([code]) => code === 'HEARTBEAT_TIMEOUT')[1]`)
      console.log(`frozen server found after ${(diedAt - frozenAt).toFixed(0)} ms (interval 3000 + timeout 2000)`)
      // The previous build armed each timer from the last: a minute late, it found it 60 to 120 s after.
      // A hidden page's timers run on whole seconds: the two timers this needs are each up to 1 s late.
      expect(diedAt - frozenAt).toBeLessThan(3000 + 2000 + 2 * 1000 + 1500)
      await until(page, 'window.authenticatedAt.length === 2', 10_000, 'open again')
    } finally {
      await page.close()
    }
  },
)
