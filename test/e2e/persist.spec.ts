/**
 * The persistent outbox (issue 25) in Chromium against the reference server: the page-goes-away
 * scenarios of persist-scenarios.ts, with acks 1.5 s late (the page then holds many messages the
 * server has and did not acknowledge); two tabs with the same name; IndexedDB refused; expiry and
 * sign-out.
 */
import { expect, test } from '@playwright/test'
import { resetServer, serverStats } from './helpers.js'
import { pageGoesAwayTests, persistPage, start, type PersistServer } from './persist-scenarios.js'

const REFERENCE: PersistServer = {
  page: '/persist.html',
  socket: '/ws',
  credentials: 'ticket',
  async hook(request, action) {
    expect((await request.post(`/test/${action}`)).ok()).toBe(true)
  },
  stats: async (request, stream) => (await serverStats(request)).streams[stream],
}

test.beforeEach(async ({ request }) => {
  await resetServer(request)
  await request.post('/test/slow-acks', { data: { ms: 1500 } })
})

pageGoesAwayTests(REFERENCE)

test('two tabs with the same name: each keeps its own session, and what each kept is sent once, by one tab', async ({
  context,
  request,
}) => {
  const first = await context.newPage()
  const second = await context.newPage()
  for (const [page, stream] of [
    [first, 'twin-a'],
    [second, 'twin-b'],
  ] as const) {
    await persistPage(page, REFERENCE)
    await start(page, REFERENCE, { persist: 'twins', stream, from: 1, to: 60, every: 10 })
    await page.evaluate(() => (window as any).socket.ready)
  }
  // Both tabs hold messages the server has but did not acknowledge, and then messages it never got.
  await expect.poll(async () => (await REFERENCE.stats(request, 'twin-b'))?.received ?? 0).toBeGreaterThan(5)
  await request.post('/test/pause')
  await request.post('/test/drop')
  for (const page of [first, second])
    await expect.poll(() => page.evaluate(() => (window as any).sent as number)).toBe(60)
  await first.waitForTimeout(300)
  for (const stream of ['twin-a', 'twin-b']) expect((await REFERENCE.stats(request, stream))!.received).toBeLessThan(60)
  const sentBefore = { 'twin-a': 60, 'twin-b': 60 }
  // The first tab goes: its slot is free, with what it kept. The second is reloaded and takes that slot; a third
  // tab takes the second's.
  await first.close({ runBeforeUnload: false })
  await second.reload()
  await request.post('/test/resume')
  await persistPage(second, REFERENCE)
  await start(second, REFERENCE, { persist: 'twins', stream: 'none', from: 1, to: 0, every: 0 })
  const third = await context.newPage()
  await persistPage(third, REFERENCE)
  await start(third, REFERENCE, { persist: 'twins', stream: 'none', from: 1, to: 0, every: 0 })
  for (const stream of ['twin-a', 'twin-b'] as const) {
    await expect
      .poll(async () => (await REFERENCE.stats(request, stream))?.received, { timeout: 15_000 })
      .toBe(sentBefore[stream])
    expect((await REFERENCE.stats(request, stream))!.errors).toEqual([])
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
  await persistPage(page, REFERENCE)
  await start(page, REFERENCE, { persist: 'refused', stream: 'refused', from: 1, to: 50, every: 2 })
  await expect
    .poll(async () => (await REFERENCE.stats(request, 'refused'))?.received ?? 0, { timeout: 10_000 })
    .toBe(50)
  expect((await REFERENCE.stats(request, 'refused'))!.errors).toEqual([])
  expect(await page.evaluate(() => (window as any).errors)).toEqual(['PERSIST_FAILED'])
  // The browser's own words may quote what it could not store: the error names it, no more.
  const [message] = await page.evaluate(() => (window as any).messages as string[])
  expect(message).toContain('(SecurityError)')
  expect(message).not.toContain('denied')
})

test('storage full mid-stream: one PERSIST_FAILED error, and every message is still sent, once, in order', async ({
  page,
  request,
}) => {
  // The 30th message kept makes the transaction fail as a full disk does (Chromium aborts it with QuotaExceededError).
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put
    let puts = 0
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'messages' && ++puts === 30)
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
      return put.apply(this, args)
    }
  })
  await persistPage(page, REFERENCE)
  await start(page, REFERENCE, { persist: 'full', stream: 'full', from: 1, to: 100, every: 2 })
  await expect.poll(async () => (await REFERENCE.stats(request, 'full'))?.received ?? 0, { timeout: 10_000 }).toBe(100)
  expect((await REFERENCE.stats(request, 'full'))!.errors).toEqual([])
  expect(await page.evaluate(() => (window as any).errors)).toEqual(['PERSIST_FAILED'])
})

test('kept longer than maxAge: dropped with the expired event, never sent; clearPersisted forgets the rest', async ({
  page,
  context,
  request,
}) => {
  // Refused upgrades: nothing is written, everything stays kept.
  await request.post('/test/pause')
  await persistPage(page, REFERENCE)
  await start(page, REFERENCE, { persist: { name: 'old', maxAge: 500 }, stream: 'old', from: 1, to: 5, every: 0 })
  await expect.poll(() => page.evaluate(() => (window as any).socket.queued as number)).toBe(5)
  await page.waitForTimeout(300) // kept: one transaction after the sends' task
  await page.close({ runBeforeUnload: false })
  await new Promise((resolve) => setTimeout(resolve, 600))
  await request.post('/test/resume')
  const next = await context.newPage()
  await persistPage(next, REFERENCE)
  await start(next, REFERENCE, { persist: { name: 'old', maxAge: 500 }, stream: 'old', from: 1, to: 0, every: 0 })
  await expect.poll(() => next.evaluate(() => (window as any).expired.length)).toBe(5)
  expect(await next.evaluate(() => (window as any).expired.map((m: string) => JSON.parse(m).n))).toEqual([
    1, 2, 3, 4, 5,
  ])
  await next.evaluate(() => (window as any).socket.ready)
  expect(await REFERENCE.stats(request, 'old')).toBeUndefined()

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
  await persistPage(next, REFERENCE)
  await start(next, REFERENCE, { persist: 'signout', stream: 'signout', from: 1, to: 0, every: 0 })
  await next.evaluate(() => (window as any).socket.ready)
  expect(await next.evaluate(() => (window as any).socket.queued)).toBe(0)
})
