/**
 * The persistent outbox (issue 25) in Chromium against the reference server: the page sends
 * numbered messages (`{ stream, n }`, which the server's application checks arrive 1, 2, 3 ...
 * with no gap or repeat) while the server acknowledges late; mid-stream the server drops the
 * socket and refuses new ones, so the page holds messages the server has but did not acknowledge
 * and messages it never wrote; then the page goes: reloaded, closed without `beforeunload`, or its
 * browser killed. The next page with the same `persist` name sends the rest (the server drops
 * those it had), then numbers its own after them. Without the persisted messages the server
 * misses the unwritten ones; without the persisted session it gets the unacknowledged ones twice.
 *
 * A message is kept before it is written, in one IndexedDB transaction per task: only the sends of
 * the last moment before the page went may be lost, and only as a tail (kept in order). So each
 * test counts the messages sent at least 300 ms before the page went, and checks the server has
 * every one of them, in order, each once.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, expect, test, type APIRequestContext, type Page } from '@playwright/test'
// @ts-expect-error -- a plain .mjs helper shared with the npm scripts
import { findChromium } from '../../scripts/chromium.mjs'
import { resetServer, serverStats } from './helpers.js'

test.beforeEach(async ({ request }) => resetServer(request))

/** The page built from the package with the opt-in feature (demo/web/persist.html): `window.AuthSocket` and all. */
async function persistPage(page: Page): Promise<void> {
  await page.goto('/persist.html')
  await expect(page.locator('#log')).toContainText('manual mode')
}

interface Options {
  /** The `persist` option. */
  persist: string | { name: string; maxAge?: number }
  /** Sends `{ stream, n }` for n from `from` to `to`, one every `every` ms. */
  stream: string
  from: number
  to: number
  every: number
}

/** Signs in, makes the client with `persist`, and starts sending (not awaited). `window.sent` is the last n sent. */
async function start(page: Page, options: Options): Promise<void> {
  await page.evaluate(async ({ persist, stream, from, to, every }) => {
    const w = window as any
    const login = await fetch('/api/login', {
      method: 'POST',
      body: JSON.stringify({ username: 'alice', password: 'alice', ttl: 600 }),
    }).then((r) => r.json())
    w.errors = []
    w.expired = []
    w.sent = from - 1
    w.socket = new w.AuthSocket('/ws', {
      persist,
      features: [w.AuthSocket.PersistentOutbox],
      credentials: w.AuthSocket.ticket({ endpoint: '/api/ws-ticket', token: () => login.token }),
      retryDelay: () => 50,
    })
    w.socket.on('error', (e: { code: string }) => w.errors.push(e.code))
    w.socket.on('expired', (e: { messages: string[] }) => w.expired.push(...e.messages))
    void (async () => {
      for (let n = from; n <= to; n++) {
        w.socket.send({ stream, n })
        w.sent = n
        await new Promise((resolve) => setTimeout(resolve, every))
      }
    })()
  }, options)
}

const stats = async (request: APIRequestContext, stream: string) => (await serverStats(request)).streams[stream]

/**
 * Waits until the server's application has `count` of `stream`, then drops the socket and refuses
 * new ones (the page queues what it sends); returns how many the page had sent 300 ms before it is
 * left to go.
 */
async function midStream(page: Page, request: APIRequestContext, stream: string, count: number): Promise<number> {
  await expect
    .poll(async () => (await stats(request, stream))?.received ?? 0, { timeout: 15_000 })
    .toBeGreaterThan(count)
  await request.post('/test/pause')
  await request.post('/test/drop')
  await page.waitForTimeout(200)
  const sent = await page.evaluate(() => (window as any).sent as number)
  await page.waitForTimeout(300)
  return sent
}

/**
 * After the page went: the next page (`next`) with the same name sends what was kept. Every message
 * sent before `sentBefore` arrives once and in order; then the next page sends 20 of its own,
 * numbered after the kept ones, and they arrive too.
 */
async function resumes(next: Page, request: APIRequestContext, stream: string, sentBefore: number): Promise<void> {
  const before = (await stats(request, stream))!
  expect(before.last).toBeLessThan(sentBefore) // the server misses some: they wait in the page that went
  await request.post('/test/resume')
  await persistPage(next)
  await start(next, { persist: stream, stream, from: 1, to: 0, every: 0 })
  // Authenticated: what was kept is back in the outbox (the first attempt waits for it).
  await next.evaluate(() => (window as any).socket.ready)
  await expect.poll(() => next.evaluate(() => (window as any).socket.queued as number), { timeout: 20_000 }).toBe(0)
  const kept = (await stats(request, stream))!
  expect(kept.errors).toEqual([])
  expect(kept.last).toBeGreaterThanOrEqual(sentBefore)
  expect(kept.received).toBe(kept.last)
  await next.evaluate(
    ({ stream, from }) => {
      const w = window as any
      for (let n = from; n < from + 20; n++) w.socket.send({ stream, n })
    },
    { stream, from: kept.last + 1 },
  )
  await expect.poll(async () => (await stats(request, stream))!.received, { timeout: 10_000 }).toBe(kept.last + 20)
  expect((await stats(request, stream))!.errors).toEqual([])
  expect(await next.evaluate(() => (window as any).errors)).toEqual([])
}

test('reloaded mid-stream while acks are late: every message sent before it arrives once, in order', async ({
  page,
  request,
}) => {
  await request.post('/test/slow-acks', { data: { ms: 1500 } })
  await persistPage(page)
  await start(page, { persist: 'reload', stream: 'reload', from: 1, to: 400, every: 5 })
  const sentBefore = await midStream(page, request, 'reload', 40)
  await page.reload()
  await resumes(page, request, 'reload', sentBefore)
})

test('the tab closed mid-stream without beforeunload: a new tab sends the rest', async ({ page, context, request }) => {
  await request.post('/test/slow-acks', { data: { ms: 1500 } })
  await persistPage(page)
  await start(page, { persist: 'closed', stream: 'closed', from: 1, to: 400, every: 5 })
  const sentBefore = await midStream(page, request, 'closed', 40)
  await page.close({ runBeforeUnload: false })
  await resumes(await context.newPage(), request, 'closed', sentBefore)
})

test('the browser process killed mid-stream: the same profile started again sends the rest', async ({
  request,
  baseURL,
}) => {
  const profile = mkdtempSync(join(tmpdir(), 'authsocket-persist-'))
  const launch = () =>
    chromium.launchPersistentContext(profile, {
      executablePath: (findChromium as () => string | undefined)(),
      baseURL,
      args: ['--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage', '--disable-gpu'],
    })
  try {
    await request.post('/test/slow-acks', { data: { ms: 1500 } })
    const first = await launch()
    const page = first.pages()[0] ?? (await first.newPage())
    await persistPage(page)
    await start(page, { persist: 'killed', stream: 'killed', from: 1, to: 400, every: 5 })
    const sentBefore = await midStream(page, request, 'killed', 40)
    // Every process of this profile, at once: no unload, no shutdown, no flush.
    spawnSync('pkill', ['-KILL', '-f', `--user-data-dir=${profile}`])
    await first.close().catch(() => undefined)
    const second = await launch()
    try {
      await resumes(second.pages()[0] ?? (await second.newPage()), request, 'killed', sentBefore)
    } finally {
      await second.close()
    }
  } finally {
    rmSync(profile, { recursive: true, force: true })
  }
})

test('two tabs with the same name: each keeps its own session, and what each kept is sent once, by one tab', async ({
  context,
  request,
}) => {
  await request.post('/test/slow-acks', { data: { ms: 1500 } })
  const first = await context.newPage()
  const second = await context.newPage()
  for (const [page, stream] of [
    [first, 'twin-a'],
    [second, 'twin-b'],
  ] as const) {
    await persistPage(page)
    await start(page, { persist: 'twins', stream, from: 1, to: 60, every: 10 })
    await page.evaluate(() => (window as any).socket.ready)
  }
  // Both tabs hold messages the server has but did not acknowledge, and then messages it never got.
  await expect.poll(async () => (await stats(request, 'twin-b'))?.received ?? 0).toBeGreaterThan(5)
  await request.post('/test/pause')
  await request.post('/test/drop')
  for (const page of [first, second])
    await expect.poll(() => page.evaluate(() => (window as any).sent as number)).toBe(60)
  await first.waitForTimeout(300)
  for (const stream of ['twin-a', 'twin-b']) expect((await stats(request, stream))!.received).toBeLessThan(60)
  const sentBefore = { 'twin-a': 60, 'twin-b': 60 }
  // The first tab goes: its slot is free, with what it kept. The second is reloaded and takes that slot; a third
  // tab takes the second's.
  await first.close({ runBeforeUnload: false })
  await second.reload()
  await request.post('/test/resume')
  await persistPage(second)
  await start(second, { persist: 'twins', stream: 'none', from: 1, to: 0, every: 0 })
  const third = await context.newPage()
  await persistPage(third)
  await start(third, { persist: 'twins', stream: 'none', from: 1, to: 0, every: 0 })
  for (const stream of ['twin-a', 'twin-b'] as const) {
    await expect
      .poll(async () => (await stats(request, stream))?.received, { timeout: 15_000 })
      .toBe(sentBefore[stream])
    expect((await stats(request, stream))!.errors).toEqual([])
  }
  for (const page of [second, third]) expect(await page.evaluate(() => (window as any).errors)).toEqual([])
})

test('IndexedDB refused: one PERSIST_FAILED error, and every message is still sent while the page lives', async ({
  page,
  request,
}) => {
  await page.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('The user denied permission to access the database.', 'SecurityError')
    }
  })
  await persistPage(page)
  await start(page, { persist: 'refused', stream: 'refused', from: 1, to: 50, every: 2 })
  await expect.poll(async () => (await stats(request, 'refused'))?.received ?? 0, { timeout: 10_000 }).toBe(50)
  expect((await stats(request, 'refused'))!.errors).toEqual([])
  expect(await page.evaluate(() => (window as any).errors)).toEqual(['PERSIST_FAILED'])
})

test('kept longer than maxAge: dropped with the expired event, never sent; clearPersisted forgets the rest', async ({
  page,
  context,
  request,
}) => {
  // Refused upgrades: nothing is written, everything stays kept.
  await request.post('/test/pause')
  await persistPage(page)
  await start(page, { persist: { name: 'old', maxAge: 500 }, stream: 'old', from: 1, to: 5, every: 0 })
  await expect.poll(() => page.evaluate(() => (window as any).socket.queued as number)).toBe(5)
  await page.waitForTimeout(300) // kept: one transaction after the sends' task
  await page.close({ runBeforeUnload: false })
  await new Promise((resolve) => setTimeout(resolve, 600))
  await request.post('/test/resume')
  const next = await context.newPage()
  await persistPage(next)
  await start(next, { persist: { name: 'old', maxAge: 500 }, stream: 'old', from: 1, to: 0, every: 0 })
  await expect.poll(() => next.evaluate(() => (window as any).expired.length)).toBe(5)
  expect(await next.evaluate(() => (window as any).expired.map((m: string) => JSON.parse(m).n))).toEqual([
    1, 2, 3, 4, 5,
  ])
  await next.evaluate(() => (window as any).socket.ready)
  expect(await stats(request, 'old')).toBeUndefined()

  // Sign-out: close, clear, and the next page has nothing to send.
  await next.evaluate(async () => {
    const w = window as any
    w.socket.close()
    w.socket = new w.AuthSocket('/ws', {
      persist: 'signout',
      features: [w.AuthSocket.PersistentOutbox],
      credentials: w.AuthSocket.cookie(),
      autoConnect: false,
    })
    w.socket.send({ stream: 'signout', n: 1 })
    await new Promise((resolve) => setTimeout(resolve, 200))
    w.socket.close()
    await w.AuthSocket.clearPersisted('signout')
  })
  await next.reload()
  await persistPage(next)
  await start(next, { persist: 'signout', stream: 'signout', from: 1, to: 0, every: 0 })
  await next.evaluate(() => (window as any).socket.ready)
  expect(await next.evaluate(() => (window as any).socket.queued)).toBe(0)
})
