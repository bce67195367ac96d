/**
 * The persistent outbox's page-goes-away scenarios (issue 25), run against the reference server
 * (test/e2e/persist.spec.ts) and the Django package (test/interop/django/persist.spec.ts): the page
 * sends numbered messages (`{ stream, n }`, which the server's application checks arrive 1, 2, 3
 * ... with no gap or repeat); mid-stream the server closes the socket and refuses new ones, so the
 * page holds messages the server has but did not acknowledge and messages it never wrote; then the
 * page goes: reloaded, closed without `beforeunload`, or its browser killed. The next page with
 * the same `persist` name sends the rest (the server drops those it had), then numbers its own
 * after them. Without the persisted messages the server misses the unwritten ones; without the
 * persisted session it gets the unacknowledged ones twice.
 *
 * A message is kept before it is written, in one IndexedDB transaction per task: only the sends of
 * the last moment before the page went may be lost, and only as a tail (kept in order). So each
 * scenario counts the messages sent at least 300 ms before the page went, and checks the server
 * has every one of them, in order, each once.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, expect, test, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test'
// @ts-expect-error -- a plain .mjs helper shared with the npm scripts
import { findChromium } from '../../scripts/chromium.mjs'
import { countSockets, holdsSocket } from './helpers.js'

/** What a server's application saw of one stream. */
export interface StreamStats {
  last: number
  received: number
  errors: string[]
}

/** A server the scenarios run against: its page, its socket, and its test hooks. */
export interface PersistServer {
  /** The page with `window.AuthSocket`, PersistentOutbox included, that logs "manual mode" in `#log`. */
  readonly page: string
  /** The socket's path. */
  readonly socket: string
  /** How the page signs in: the reference server's ticket, or a simplejwt access token in the query. */
  readonly credentials: 'ticket' | 'jwt'
  /**
   * Refuses new sockets (`pause`), takes them again (`resume`), closes every live one (`drop`), or
   * forgets the counts (`reset`), or acknowledges 1.5 s late from now (`slow-acks`).
   */
  hook(request: APIRequestContext, action: 'pause' | 'resume' | 'drop' | 'reset' | 'slow-acks'): Promise<void>
  stats(request: APIRequestContext, stream: string): Promise<StreamStats | undefined>
}

export async function persistPage(page: Page, server: PersistServer): Promise<void> {
  await page.goto(server.page)
  await expect(page.locator('#log')).toContainText('manual mode')
}

export interface Sender {
  /** The `persist` option. */
  persist: string | { name: string; maxAge?: number }
  /** The `shareSocket` option. */
  share?: string
  /** The `maxQueueSize` option: the holder of a shared socket holds every tab's unacknowledged messages. */
  maxQueueSize?: number
  /** Sends `{ stream, n }` for n from `from` to `to`, one every `every` ms. */
  stream: string
  from: number
  to: number
  every: number
}

/** Signs in, makes the client with `persist`, and starts sending (not awaited). `window.sent` is the last n sent. */
export async function start(page: Page, server: PersistServer, sender: Sender): Promise<void> {
  const { socket, credentials } = server
  await page.evaluate(
    async ({ persist, share, maxQueueSize, stream, from, to, every, socket, credentials }) => {
      const w = window as any
      const signIn = (path: string) =>
        fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'alice', password: 'alice', ttl: 600 }),
        }).then((r) => r.json())
      const provider =
        credentials === 'ticket'
          ? w.AuthSocket.ticket({ endpoint: '/api/ws-ticket', token: async () => (await signIn('/api/login')).token })
          : w.AuthSocket.queryToken({ token: async () => (await signIn('/api/jwt/')).access })
      w.errors = []
      w.expired = []
      w.sent = from - 1
      w.socket = new w.AuthSocket(socket, {
        persist,
        shareSocket: share,
        maxQueueSize,
        features: [w.AuthSocket.PersistentOutbox],
        credentials: provider,
        retryDelay: () => 50,
      })
      w.messages = []
      w.socket.on('error', (e: { code: string; message: string }) => {
        w.errors.push(e.code)
        w.messages.push(e.message)
      })
      w.socket.on('expired', (e: { messages: string[] }) => w.expired.push(...e.messages))
      void (async () => {
        for (let n = from; n <= to; n++) {
          w.socket.send({ stream, n })
          w.sent = n
          await new Promise((resolve) => setTimeout(resolve, every))
        }
      })()
    },
    { ...sender, socket, credentials },
  )
}

/**
 * Waits until the server's application has more than `count` of `stream`, then closes the socket
 * and refuses new ones (the page queues what it sends); returns how many the page had sent 300 ms
 * before it is left to go.
 */
async function midStream(page: Page, request: APIRequestContext, server: PersistServer, stream: string) {
  await expect
    .poll(async () => (await server.stats(request, stream))?.received ?? 0, { timeout: 15_000 })
    .toBeGreaterThan(40)
  await server.hook(request, 'pause')
  await server.hook(request, 'drop')
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
async function resumes(
  next: Page,
  request: APIRequestContext,
  server: PersistServer,
  stream: string,
  sentBefore: number,
): Promise<void> {
  const before = (await server.stats(request, stream))!
  expect(before.last).toBeLessThan(sentBefore) // the server misses some: they wait in the page that went
  await server.hook(request, 'resume')
  await persistPage(next, server)
  await start(next, server, { persist: stream, stream, from: 1, to: 0, every: 0 })
  // Authenticated: what was kept is back in the outbox (the first attempt waits for it).
  await next.evaluate(() => (window as any).socket.ready)
  await expect.poll(() => next.evaluate(() => (window as any).socket.queued as number), { timeout: 20_000 }).toBe(0)
  const kept = (await server.stats(request, stream))!
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
  await expect
    .poll(async () => (await server.stats(request, stream))!.received, { timeout: 10_000 })
    .toBe(kept.last + 20)
  expect((await server.stats(request, stream))!.errors).toEqual([])
  expect(await next.evaluate(() => (window as any).errors)).toEqual([])
}

/** Reloaded mid-stream: the same tab sends the rest. */
async function reloaded(page: Page, request: APIRequestContext, server: PersistServer): Promise<void> {
  await persistPage(page, server)
  await start(page, server, { persist: 'reload', stream: 'reload', from: 1, to: 400, every: 5 })
  const sentBefore = await midStream(page, request, server, 'reload')
  await page.reload()
  await resumes(page, request, server, 'reload', sentBefore)
}

/** Closed mid-stream without `beforeunload`: a new tab sends the rest. */
async function closed(
  page: Page,
  context: BrowserContext,
  request: APIRequestContext,
  server: PersistServer,
): Promise<void> {
  await persistPage(page, server)
  await start(page, server, { persist: 'closed', stream: 'closed', from: 1, to: 400, every: 5 })
  const sentBefore = await midStream(page, request, server, 'closed')
  await page.close({ runBeforeUnload: false })
  await resumes(await context.newPage(), request, server, 'closed', sentBefore)
}

/** The browser process killed mid-stream: the same profile, started again, sends the rest. */
async function killed(request: APIRequestContext, baseURL: string, server: PersistServer): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'authsocket-persist-'))
  const launch = () =>
    chromium.launchPersistentContext(profile, {
      executablePath: (findChromium as () => string | undefined)(),
      baseURL,
      args: ['--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage', '--disable-gpu'],
    })
  try {
    const first = await launch()
    const page = first.pages()[0] ?? (await first.newPage())
    await persistPage(page, server)
    await start(page, server, { persist: 'killed', stream: 'killed', from: 1, to: 400, every: 5 })
    const sentBefore = await midStream(page, request, server, 'killed')
    // Every process of this profile, at once: no unload, no shutdown, no flush.
    spawnSync('pkill', ['-KILL', '-f', `--user-data-dir=${profile}`])
    await first.close().catch(() => undefined)
    const second = await launch()
    try {
      await resumes(second.pages()[0] ?? (await second.newPage()), request, server, 'killed', sentBefore)
    } finally {
      await second.close()
    }
  } finally {
    rmSync(profile, { recursive: true, force: true })
  }
}

/**
 * `shareSocket` and five tabs, each sending its own stream: the tab holding the socket is closed
 * mid-stream (the next holder carries on, keeping the group's outbox), then the server goes and
 * every tab is closed; the first tab of the next group sends what the group kept.
 */
async function sharedGroup(context: BrowserContext, request: APIRequestContext, server: PersistServer) {
  const tabs = await Promise.all(Array.from({ length: 5 }, () => context.newPage()))
  for (const [i, page] of tabs.entries()) {
    await persistPage(page, server)
    await countSockets(page)
    await start(page, server, {
      persist: 'group',
      share: 'group',
      stream: `group-${i}`,
      maxQueueSize: 5000,
      from: 1,
      to: 300,
      every: 10,
    })
  }
  for (const [i] of tabs.entries())
    await expect
      .poll(async () => (await server.stats(request, `group-${i}`))?.received ?? 0, { timeout: 15_000 })
      .toBeGreaterThan(5)
  // The holder goes first: the next tab takes over the group's outbox (and keeps it).
  const holder = (await Promise.all(tabs.map(holdsSocket))).indexOf(true)
  expect(holder).toBeGreaterThanOrEqual(0)
  const sentBefore: number[] = []
  sentBefore[holder] = await tabs[holder]!.evaluate(() => (window as any).sent as number)
  await tabs[holder]!.waitForTimeout(300)
  await tabs[holder]!.close({ runBeforeUnload: false })
  const others = tabs.filter((_, i) => i !== holder)
  await expect
    .poll(async () => (await Promise.all(others.map(holdsSocket))).filter(Boolean).length, { timeout: 10_000 })
    .toBe(1)
  // Then the server goes away, and every tab, with messages it has not acknowledged and messages it never got.
  await server.hook(request, 'pause')
  await server.hook(request, 'drop')
  for (const [i, page] of tabs.entries()) {
    if (i === holder) continue
    await expect.poll(() => page.evaluate(() => (window as any).sent as number), { timeout: 10_000 }).toBe(300)
    sentBefore[i] = 300
  }
  await others[0]!.waitForTimeout(300)
  for (const page of others) await page.close({ runBeforeUnload: false })
  const missing = await Promise.all(
    tabs.map(async (_, i) => ((await server.stats(request, `group-${i}`))?.last ?? 0) < sentBefore[i]!),
  )
  expect(missing).toContain(true)
  await server.hook(request, 'resume')
  const next = await context.newPage()
  await persistPage(next, server)
  await start(next, server, { persist: 'group', share: 'group', stream: 'none', from: 1, to: 0, every: 0 })
  for (const [i] of tabs.entries()) {
    await expect
      .poll(async () => (await server.stats(request, `group-${i}`))!.last, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(sentBefore[i]!)
    const stats = (await server.stats(request, `group-${i}`))!
    expect(stats.errors, `group-${i}`).toEqual([])
    expect(stats.received).toBe(stats.last)
  }
  expect(await next.evaluate(() => (window as any).errors)).toEqual([])
}

/** The page-goes-away tests against `server`, declared in the spec file that calls this (its hooks run around them). */
export function pageGoesAwayTests(server: PersistServer): void {
  test('reloaded mid-stream: every message sent before it reaches the application once, in order', async ({
    page,
    request,
  }) => reloaded(page, request, server))

  test('the tab closed mid-stream without beforeunload: a new tab sends the rest', async ({ page, context, request }) =>
    closed(page, context, request, server))

  test('the browser process killed mid-stream: the same profile started again sends the rest', async ({
    request,
    baseURL,
  }) => killed(request, baseURL!, server))

  test(
    'shareSocket, five tabs: the holder closed mid-stream, then every tab; the next tab sends what the group kept, ' +
      'each message once, in order',
    async ({ context, request }) => {
      test.setTimeout(90_000)
      await sharedGroup(context, request, server)
    },
  )
}
