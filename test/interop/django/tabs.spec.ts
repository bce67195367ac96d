/**
 * Many tabs, one user (issue 13) against the Django interop app with simplejwt's rotation and
 * blacklisting (a refresh token works once, authsocket_channels.rotation): five pages of one browser
 * context, each with a socket on `ws/jwt/` whose access tokens live 3 s, the pair kept in
 * localStorage as SPAs keep it. With `sharedAcrossTabs` and without (the control, same run).
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import { rawBrowser, type RawPage } from '../../e2e/cdp.js'

/**
 * What a tab saw: the tokens its socket was given, its refreshes begun and calls sent, sign-outs (a 401 from refresh),
 * errors, closes.
 */
interface Seen {
  tokens: string[]
  refreshes: number
  calls: number
  signedOut: number
  errors: string[]
  closes: number[]
  authenticatedAt: number[]
}

/**
 * The app of one tab, as a string (the raw-CDP test has no bundler): `window.start(shared, ttl)`
 * opens `window.socket` with a token source that gives the stored access token while it has a
 * second left and otherwise refreshes through `/api/jwt-refresh/`; wrapped in `sharedAcrossTabs`
 * when `shared`. A 401 from the refresh signs the tab out: it closes its socket.
 */
const APP = `(() => {
  const w = window
  w.login = async (ttl) => {
    const pair = await fetch('/api/jwt-pair/', { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'alice', ttl }) }).then((r) => r.json())
    localStorage.setItem('access', pair.access)
    localStorage.setItem('refresh', pair.refresh)
  }
  w.start = (shared, ttl, margin = 1000, deadline) => {
    const seen = (w.seen = { tokens: [], refreshes: 0, calls: 0, signedOut: 0, errors: [], closes: [], authenticatedAt: [] })
    const refresh = async ({ signal }) => {
      seen.refreshes++
      // w.hold = 'before': the first refresh of the run stalls before its request is sent; 'answer': the server answers
      // it after 2 s.
      const first = w.hold && !localStorage.getItem('held') && (localStorage.setItem('held', '1'), true)
      if (first && w.hold === 'before') await new Promise(() => {})
      const delay = first && w.hold === 'answer' ? 2 : 0
      seen.calls++
      const response = await fetch(w.endpoint ?? '/api/jwt-refresh/', {
        method: 'POST',
        signal,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh: localStorage.getItem('refresh'), ttl, delay }),
      })
      if (response.status === 401) {
        seen.signedOut++
        w.socket.close()
        throw new Error('signed out')
      }
      if (!response.ok) throw new Error('refresh failed: ' + response.status)
      const pair = await response.json()
      localStorage.setItem('access', pair.access)
      localStorage.setItem('refresh', pair.refresh)
      return pair.access
    }
    const stored = () => {
      const access = localStorage.getItem('access')
      return access && JSON.parse(atob(access.split('.')[1])).exp * 1000 > Date.now() + 1000 ? access : undefined
    }
    const source = (ctx) => ((ctx.reason === 'initial' || ctx.reason === 'reconnect') && stored()) || refresh(ctx)
    const token = shared ? AuthSocket.sharedAcrossTabs(source, { key: 'django-tabs', deadline }) : source
    w.socket = new AuthSocket('/ws/jwt/', { refreshMargin: margin, credentials: AuthSocket.queryToken({ token: async (ctx) => {
      const given = await token(ctx)
      seen.tokens.push(given)
      return given
    } }) })
    w.socket.on('authenticated', () => seen.authenticatedAt.push(Date.now()))
    w.socket.on('error', (e) => seen.errors.push(e.code))
    w.socket.on('close', (e) => seen.closes.push(e.code))
    return true
  }
  return true
})()`

async function tabs(context: BrowserContext, count: number): Promise<Page[]> {
  const pages = await Promise.all(Array.from({ length: count }, () => context.newPage()))
  for (const page of pages) {
    await page.goto('/page/')
    await page.waitForFunction(() => 'AuthSocket' in window)
    await page.evaluate(APP)
  }
  return pages
}

const seen = (page: Page) => page.evaluate(() => (window as any).seen as Seen)
const stop = (pages: Page[]) => Promise.all(pages.map((page) => page.evaluate(() => (window as any).socket.close())))

/** The refresh calls the server was sent and the answers it gave, counted by the browser context. */
function refreshCalls(context: BrowserContext) {
  const counts = { sent: 0, ok: 0, refused: 0 }
  context.on('request', (request) => /\/api\/jwt-refresh(-grace)?\/$/.test(request.url()) && counts.sent++)
  context.on('response', (response) => {
    if (!/\/api\/jwt-refresh(-grace)?\/$/.test(response.url())) return
    if (response.status() === 200) counts.ok++
    else counts.refused++
  })
  return counts
}

test(
  'five tabs, 20 expiries of 3 s tokens: one refresh call per expiry and 0 sign-outs with ' +
    'sharedAcrossTabs; the unwrapped control signs tabs out',
  async ({ context }) => {
    test.setTimeout(150_000)
    const calls = refreshCalls(context)
    const pages = await tabs(context, 5)
    await pages[0]!.evaluate(() => (window as any).login(3))
    for (const page of pages) await page.evaluate(() => (window as any).start(true, 3))
    await expect
      .poll(async () => Math.min(...(await Promise.all(pages.map(async (page) => (await seen(page)).tokens.length)))), {
        timeout: 120_000,
        intervals: [100],
      })
      .toBeGreaterThanOrEqual(21)
    await stop(pages)
    const shared = await Promise.all(pages.map(seen))
    const sharedCalls = { ...calls }

    // The control: a new sign-in, the same five tabs, the source unwrapped, one expiry.
    await pages[0]!.evaluate(() => (window as any).login(3))
    for (const page of pages) await page.evaluate(() => (window as any).start(false, 3))
    await expect
      .poll(async () => (await Promise.all(pages.map(seen))).every((s) => s.signedOut > 0 || s.tokens.length > 1), {
        timeout: 20_000,
        intervals: [100],
      })
      .toBe(true)
    await stop(pages)
    const control = await Promise.all(pages.map(seen))
    const signedOut = control.reduce((sum, s) => sum + s.signedOut, 0)
    console.log(
      `20 expiries in 5 tabs with sharedAcrossTabs: ${sharedCalls.ok} refresh calls ` +
        `(${sharedCalls.refused} refused); one expiry unwrapped: ${calls.ok - sharedCalls.ok} ` +
        `accepted, ${calls.refused - sharedCalls.refused} refused, ${signedOut} tabs signed out`,
    )

    // Every tab was given the same 21 tokens, in the same order: one refresh call made each of the last 20.
    for (const s of shared) expect(s.tokens).toEqual(shared[0]!.tokens)
    expect(new Set(shared[0]!.tokens).size).toBe(shared[0]!.tokens.length)
    expect(sharedCalls).toEqual({ sent: shared[0]!.tokens.length - 1, ok: shared[0]!.tokens.length - 1, refused: 0 })
    expect(shared.map((s) => [s.signedOut, s.errors])).toEqual(Array(5).fill([0, []]))
    // The control: one tab's refresh wins, the others present the spent token and are signed out.
    expect(signedOut).toBeGreaterThanOrEqual(1)
    expect(calls.refused - sharedCalls.refused).toBe(signedOut)
  },
)

/** Five tabs sharing 6 s tokens; the first tab to refresh is closed while it does (`hold`: where). */
async function closedMidRefresh(context: BrowserContext, hold: 'before' | 'answer', endpoint = '/api/jwt-refresh/') {
  const calls = refreshCalls(context)
  const pages = await tabs(context, 5)
  await pages[0]!.evaluate(() => {
    localStorage.removeItem('held')
    return (window as any).login(6)
  })
  for (const page of pages)
    await page.evaluate(
      ([h, e]) => Object.assign(window, { hold: h, endpoint: e }) && (window as any).start(true, 6),
      [hold, endpoint],
    )
  let leader: Page | undefined
  await expect
    .poll(
      async () =>
        (leader = (
          await Promise.all(pages.map(async (page) => ((await seen(page)).refreshes ? page : undefined)))
        ).find(Boolean)),
      { timeout: 20_000, intervals: [20] },
    )
    .toBeTruthy()
  if (hold === 'answer') await expect.poll(() => calls.sent, { intervals: [10] }).toBe(1) // its request is at the server
  const closedAt = Date.now()
  await leader!.close()
  const others = pages.filter((page) => page !== leader)
  await expect
    .poll(async () => (await Promise.all(others.map(seen))).every((s) => s.tokens.length >= 2 || s.signedOut), {
      timeout: 20_000,
      intervals: [50],
    })
    .toBe(true)
  const after = await Promise.all(others.map(seen))
  await stop(others)
  return { calls, after, took: Math.max(...after.map((s) => s.authenticatedAt[1] ?? 0)) - closedAt }
}

test('the tab refreshing for all is closed before its refresh call is sent: another tab refreshes, 0 sign-outs', async ({
  context,
}) => {
  const { calls, after, took } = await closedMidRefresh(context, 'before')
  console.log(
    `leader closed mid-refresh, before its call: the other 4 tabs on a new token ${took} ms later; refresh calls ${JSON.stringify(calls)}`,
  )
  for (const s of after) expect(s.tokens.slice(0, 2)).toEqual(after[0]!.tokens.slice(0, 2))
  // no socket closed: the new token came in band, before expiry
  expect(after.map((s) => [s.signedOut, s.errors, s.closes])).toEqual(Array(4).fill([0, [], []]))
  expect(calls).toEqual({ sent: 1, ok: 1, refused: 0 })
})

test(
  'the tab refreshing for all is closed while the server answers: the rotation is lost with ' +
    'it and the other tabs are signed out (a limit, README)',
  async ({ context }) => {
    const { calls, after } = await closedMidRefresh(context, 'answer')
    const signedOut = after.filter((s) => s.signedOut).length
    console.log(
      `leader closed mid-refresh, its call at the server: ${signedOut} of 4 tabs signed out; refresh calls ${JSON.stringify(calls)}`,
    )
    // Single-use refresh tokens with no grace: the server spent the token, the answer died with the tab.
    expect(signedOut).toBe(4)
    expect(calls.ok).toBe(0)
  },
)

test('the same, with a server that gives a spent refresh token its pair again for 10 s: 0 sign-outs', async ({
  context,
}) => {
  const { calls, after, took } = await closedMidRefresh(context, 'answer', '/api/jwt-refresh-grace/')
  console.log(
    `leader closed mid-refresh, its call at a server with a grace: the other 4 tabs on a new ` +
      `token ${took} ms later; refresh calls ${JSON.stringify(calls)}`,
  )
  for (const s of after) expect(s.tokens.slice(0, 2)).toEqual(after[0]!.tokens.slice(0, 2))
  expect(after.map((s) => [s.signedOut, s.errors])).toEqual(Array(4).fill([0, []]))
  expect(calls.ok).toBe(1) // the second call, given the pair the first one's answer carried
})

test(
  'the tab refreshing for all is stuck (its source never answers): after the deadline one ' +
    'other tab refreshes, 0 sign-outs, and the lock is free again',
  async ({ context }) => {
    const calls = refreshCalls(context)
    const pages = await tabs(context, 5)
    await pages[0]!.evaluate(() => {
      localStorage.removeItem('held')
      return (window as any).login(6)
    })
    for (const page of pages)
      await page.evaluate(() => Object.assign(window, { hold: 'before' }) && (window as any).start(true, 6, 2000, 1000))
    await expect
      .poll(async () => (await Promise.all(pages.map(seen))).every((s) => s.tokens.length >= 2), {
        timeout: 20_000,
        intervals: [50],
      })
      .toBe(true)
    // The stuck tab took the others' token; its source still hangs, but it holds the lock no more.
    await expect
      .poll(() => pages[0]!.evaluate(() => navigator.locks.query().then((q) => q.held?.map((lock) => lock.name))), {
        timeout: 5000,
      })
      .toEqual([])
    const after = await Promise.all(pages.map(seen))
    await stop(pages)
    console.log(
      `the tab refreshing for all stuck: refresh calls ${JSON.stringify(calls)} (per tab ${JSON.stringify(after.map((s) => s.calls))})`,
    )
    expect(calls).toEqual({ sent: 1, ok: 1, refused: 0 })
    expect(new Set(after.map((s) => s.tokens[1])).size).toBe(1)
    expect(after.map((s) => [s.signedOut, s.errors])).toEqual(Array(5).fill([0, []]))
  },
)

/** Five tabs of a raw Chromium (test/e2e/cdp.ts: through Playwright a freeze freezes nothing) sharing 12 s tokens. */
async function rawTabs(baseURL: string, start: string): Promise<{ pages: RawPage[]; close(): Promise<void> }> {
  const browser = await rawBrowser()
  const pages: RawPage[] = []
  for (let i = 0; i < 5; i++) pages.push(await browser.open(`${baseURL}/page/`))
  for (const page of pages) await page.evaluate(APP)
  await pages[0]!.evaluate(`localStorage.removeItem('held'), login(12)`)
  // Four of the five are background tabs, whose timers run up to 1 s late: refresh 3 s early.
  for (const page of pages) await page.evaluate(start)
  return { pages, close: browser.close }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)

test('a tab frozen in the background over 3 expiries wakes with the token the others refreshed, with no refresh call of its own', async ({
  baseURL,
}) => {
  test.setTimeout(90_000)
  const { pages, close } = await rawTabs(baseURL!, 'start(true, 12, 3000)')
  try {
    const frozen = pages[4]!
    const tokens = (page: RawPage) => page.evaluate<number>('seen.tokens.length')
    await poll(async () => (await tokens(frozen)) >= 2, 20_000)
    // Right after a refresh, so that it is not frozen holding the lock in the middle of one.
    await frozen.lifecycle('frozen')
    const callsBefore = await frozen.evaluate<number>('seen.calls')
    const before = await tokens(pages[0]!)
    await poll(async () => (await tokens(pages[0]!)) >= before + 3, 40_000)
    const resumedAt = Date.now()
    await frozen.lifecycle('active')
    await poll(async () => (await frozen.evaluate<number[]>('seen.authenticatedAt')).at(-1)! > resumedAt, 10_000)
    const seen = await Promise.all(pages.map((page) => page.evaluate<Seen>('(socket.close(), seen)')))
    const woke = seen[4]!.authenticatedAt.at(-1)! - resumedAt
    console.log(
      `frozen over 3 expiries: authenticated ${woke} ms after resume; refresh calls per tab ${JSON.stringify(seen.map((s) => s.calls))}`,
    )
    // One refresh call per new token, none of them by the frozen tab after it froze; nobody signed out.
    expect(sum(seen.map((s) => s.calls))).toBe(new Set(seen.flatMap((s) => s.tokens.slice(1))).size)
    expect(seen[4]!.calls).toBe(callsBefore)
    expect(seen.map((s) => [s.signedOut, s.errors])).toEqual(Array(5).fill([0, []]))
    // It woke on the newest token, the one the others hold.
    expect(seen[4]!.tokens.at(-1)).toBe(seen[0]!.tokens.at(-1))
  } finally {
    await close()
  }
})

test(
  'a tab frozen holding the lock in the middle of a refresh: after the deadline one other ' +
    'tab refreshes, 0 sign-outs; it wakes on their token',
  async ({ baseURL }) => {
    test.setTimeout(90_000)
    // The first refresh stalls before its call is sent; its tab is then frozen. Deadline 2 s.
    const { pages, close } = await rawTabs(baseURL!, `(window.hold = 'before', start(true, 12, 3000, 2000))`)
    try {
      let holder: RawPage | undefined
      await poll(
        async () =>
          !!(holder = (
            await Promise.all(
              pages.map(async (page) => ((await page.evaluate<number>('seen.refreshes')) ? page : undefined)),
            )
          ).find(Boolean)),
        20_000,
      )
      await holder!.lifecycle('frozen')
      const frozenAt = Date.now()
      const others = pages.filter((page) => page !== holder)
      await poll(
        async () =>
          (await Promise.all(others.map((page) => page.evaluate<number>('seen.tokens.length')))).every((n) => n >= 2),
        20_000,
      )
      const took = Date.now() - frozenAt
      const resumedAt = Date.now()
      await holder!.lifecycle('active')
      await poll(async () => (await holder!.evaluate<number[]>('seen.authenticatedAt')).at(-1)! > resumedAt, 10_000)
      // Its stalled source never settles, yet the lock is free again: the next refresh waits for no deadline.
      await poll(
        () =>
          holder!.evaluate<boolean>(
            `navigator.locks.query().then((q) => !q.held.some((l) => l.name === 'authsocket:django-tabs'))`,
          ),
        5000,
      )
      const seen = await Promise.all(pages.map((page) => page.evaluate<Seen>('(socket.close(), seen)')))
      const held = seen[pages.indexOf(holder!)]!
      console.log(
        `lock holder frozen mid-refresh: the other tabs on a new token ${took} ms after the freeze ` +
          `(deadline 2000 ms), it ${held.authenticatedAt.at(-1)! - resumedAt} ms after resume; ` +
          `refresh calls per tab ${JSON.stringify(seen.map((s) => s.calls))}`,
      )
      expect(sum(seen.map((s) => s.calls))).toBe(1)
      expect(held.calls).toBe(0)
      expect(seen.map((s) => [s.signedOut, s.errors])).toEqual(Array(5).fill([0, []]))
      expect(new Set(seen.map((s) => s.tokens[1])).size).toBe(1)
    } finally {
      await close()
    }
  },
)

async function poll(check: () => Promise<boolean>, timeout: number): Promise<void> {
  const end = Date.now() + timeout
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
