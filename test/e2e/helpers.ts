import { expect, type APIRequestContext, type Page } from '@playwright/test'
import type { Stats } from '../../demo/server/ws.js'

/** What GET /test/stats answers: the endpoint's counters plus two from the HTTP side. */
export type ServerStats = Stats & { ticketsIssued: number; openSockets: number }

export async function resetServer(request: APIRequestContext): Promise<void> {
  expect((await request.post('/test/reset')).ok()).toBe(true)
}

export async function serverStats(request: APIRequestContext): Promise<ServerStats> {
  return (await request.get('/test/stats')).json()
}

/** Signs in on the demo page and connects with `provider`, through the UI. */
export async function connectInDemo(
  page: Page,
  provider: string,
  options: { user?: string; room?: string; ttl?: number } = {},
): Promise<void> {
  await page.goto(options.ttl ? `/?ttl=${options.ttl}` : '/')
  const user = options.user ?? 'alice'
  await page.selectOption('#username', user)
  await page.fill('#password', user)
  await page.click('#login')
  await expect(page.locator('#who')).toContainText(`Signed in as ${user}`)
  await page.selectOption('#provider', provider)
  await page.fill('#room', options.room ?? 'lobby')
  await page.click('#connect-btn')
}

export const state = (page: Page) => page.locator('body')

/** A page with only the IIFE bundle: `window.AuthSocket` and a sign-in helper. */
export async function bundlePage(page: Page): Promise<void> {
  await page.goto('/cdn.html?manual')
  await expect(page.locator('#log')).toContainText('manual mode')
}

/** Makes the page count its WebSockets (`window.sockets`); call before the client is made. */
export async function countSockets(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { sockets: WebSocket[]; WebSocket: typeof WebSocket }
    const Native = WebSocket
    w.sockets = []
    w.WebSocket = class extends Native {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args)
        w.sockets.push(this)
      }
    }
  })
}

/** Whether a page from {@link countSockets} has a WebSocket open: with `shareSocket`, it holds the socket. */
export const holdsSocket = (page: Page): Promise<boolean> =>
  page.evaluate(() => (window as unknown as { sockets: WebSocket[] }).sockets.some((s) => s.readyState === 1))
