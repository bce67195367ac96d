/**
 * Many tabs, one user (issue 13, first step): five pages of one browser context share their
 * refreshes through `sharedAcrossTabs` (Web Locks and BroadcastChannel), against the reference
 * server's single-use (rotating) refresh tokens kept in localStorage, as SPAs keep them. The
 * control, in the same run: the same source unwrapped.
 */
import { expect, test, type Page } from '@playwright/test'
import { bundlePage, resetServer } from './helpers.js'

test.beforeEach(async ({ request }) => resetServer(request))

/**
 * In the page: `window.ask(shared)` asks the source as an expiring socket would, and counts the refresh calls and
 * refusals.
 */
async function app(page: Page): Promise<void> {
  await bundlePage(page)
  await page.evaluate(() => {
    const w = window as any
    const refresh = async () => {
      // localStorage 'fail': the next refresh, in whichever tab, throws as a network error would.
      if (localStorage.getItem('fail')) {
        localStorage.removeItem('fail')
        throw new TypeError('Failed to fetch')
      }
      w.refreshes++
      const response = await fetch('/api/refresh', {
        method: 'POST',
        body: JSON.stringify({ refreshToken: localStorage.getItem('refresh'), ttl: 60 }),
      })
      if (!response.ok) throw new Error(`signed out: ${response.status}`)
      const body = await response.json()
      localStorage.setItem('refresh', body.refreshToken)
      return body.token as string
    }
    Object.assign(w, { refreshes: 0, signedOut: 0, failed: 0, held: undefined })
    const wrapped = w.AuthSocket.sharedAcrossTabs(refresh, { key: 'tabs-test' })
    w.ask = async (shared: boolean) => {
      const expiresAt = w.held ? JSON.parse(atob(w.held.split('.')[1])).exp * 1000 : undefined
      try {
        w.held = await (shared ? wrapped : refresh)({
          reason: 'expiring',
          expiresAt,
          signal: new AbortController().signal,
        })
      } catch (error) {
        if (error instanceof TypeError) w.failed++
        else w.signedOut++
      }
    }
  })
}

test(
  'five tabs at 20 expiries: one refresh call per expiry with sharedAcrossTabs and no ' +
    'sign-out; the unwrapped control signs tabs out',
  async ({ context }) => {
    const pages = await Promise.all(Array.from({ length: 5 }, () => context.newPage()))
    for (const page of pages) await app(page)
    const login = await pages[0]!.evaluate(async () => {
      const body = await fetch('/api/login', {
        method: 'POST',
        body: JSON.stringify({ username: 'alice', password: 'alice', ttl: 60 }),
      }).then((r) => r.json())
      localStorage.setItem('refresh', body.refreshToken)
      return body.token as string
    })
    expect(login).toBeTruthy()
    const round = (shared: boolean) =>
      Promise.all(pages.map((page) => page.evaluate((s) => (window as any).ask(s), shared)))
    const totals = () =>
      Promise.all(
        pages.map((page) =>
          page.evaluate(() => ({ refreshes: (window as any).refreshes, signedOut: (window as any).signedOut })),
        ),
      )
    const sum = (rows: { refreshes: number; signedOut: number }[]) =>
      rows.reduce((a, b) => ({ refreshes: a.refreshes + b.refreshes, signedOut: a.signedOut + b.signedOut }), {
        refreshes: 0,
        signedOut: 0,
      })

    for (let i = 0; i < 20; i++) await round(true)
    const shared = sum(await totals())
    // All five tabs hold the same, newest token.
    expect(new Set(await Promise.all(pages.map((page) => page.evaluate(() => (window as any).held)))).size).toBe(1)

    await round(false) // the control: each tab refreshes itself with the one refresh token
    const control = sum(await totals())
    console.log(
      `20 expiries in 5 tabs, shared: ${shared.refreshes} refresh calls, ${shared.signedOut} ` +
        `sign-outs; one expiry unwrapped: ${control.refreshes - shared.refreshes} calls, ` +
        `${control.signedOut} sign-outs`,
    )
    expect(shared).toEqual({ refreshes: 20, signedOut: 0 })
    // One tab's refresh wins; the others present the spent token (4 in most runs: a tab whose call starts after the
    // winner's answer reads the new one).
    expect(control.signedOut).toBeGreaterThanOrEqual(1)
  },
)

test(
  'the token source throws in the tab refreshing for all: the next tab refreshes for the ' +
    'others; the one that failed takes their token next time',
  async ({ context }) => {
    const pages = await Promise.all(Array.from({ length: 5 }, () => context.newPage()))
    for (const page of pages) await app(page)
    await pages[0]!.evaluate(async () => {
      // 30 s: the refreshed tokens (60 s) must outlive it, and a JWT's exp has whole seconds.
      const body = await fetch('/api/login', {
        method: 'POST',
        body: JSON.stringify({ username: 'alice', password: 'alice', ttl: 30 }),
      }).then((r) => r.json())
      localStorage.setItem('refresh', body.refreshToken)
      localStorage.setItem('fail', '1')
      localStorage.setItem('access', body.token)
    })
    // Every tab holds the sign-in's token, as a connected client would; the asks replace it.
    for (const page of pages) await page.evaluate(() => ((window as any).held = localStorage.getItem('access')))
    await Promise.all(pages.map((page) => page.evaluate(() => (window as any).ask(true))))
    const first = await Promise.all(
      pages.map((page) =>
        page.evaluate(() => ({
          refreshes: (window as any).refreshes,
          failed: (window as any).failed,
          signedOut: (window as any).signedOut,
          held: (window as any).held,
        })),
      ),
    )
    // The tab whose source threw asks again (as its client would, after a backoff).
    const failedTab = pages[first.findIndex((s) => s.failed)]!
    await failedTab.evaluate(() => (window as any).ask(true))
    const again = await failedTab.evaluate(() => ({ refreshes: (window as any).refreshes, held: (window as any).held }))
    expect(first.map((s) => s.failed).sort()).toEqual([0, 0, 0, 0, 1])
    expect(first.reduce((sum, s) => sum + s.refreshes, 0)).toBe(1)
    expect(first.reduce((sum, s) => sum + s.signedOut, 0)).toBe(0)
    expect(new Set(first.filter((s) => !s.failed).map((s) => s.held)).size).toBe(1)
    expect(again.refreshes).toBe(0)
    expect(again.held).toBe(first.find((s) => !s.failed)!.held)
  },
)
