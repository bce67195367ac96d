import { expect, test } from '@playwright/test'
import { bundlePage, connectInDemo, resetServer, serverStats, state } from './helpers.js'

test.beforeEach(async ({ request }) => resetServer(request))

for (const provider of ['ticket', 'query', 'firstMessage', 'subprotocol', 'cookie']) {
  test(`${provider}: sign in, connect, authenticated, echo round trip`, async ({ page, request }) => {
    await connectInDemo(page, provider)
    await expect(state(page)).toHaveAttribute('data-state', 'open')
    await expect(page.locator('#timeline')).toContainText('authenticated')
    await page.fill('#chat-input', `hello via ${provider}`)
    await page.click('#send')
    await expect(page.locator('#chat-log li.me')).toHaveText(`me: hello via ${provider}`)
    const stats = await serverStats(request)
    expect(stats.authenticated).toBe(1)
    expect(stats.preAuthFrames).toBe(0)
    // No error event: a second, unasked 200 (a server authenticating twice) would show here as UNEXPECTED_STATUS_FRAME.
    await expect(page.locator('#timeline li[data-type="error"]')).toHaveCount(0)
    // Nothing the page shows holds a credential: URLs are redacted.
    const shown = await page.locator('#timeline').innerText()
    expect(shown).not.toMatch(/eyJ[\w-]{10,}/)
    if (provider === 'query' || provider === 'ticket')
      expect(shown).toContain(`${provider === 'query' ? 'token' : 'ticket'}=REDACTED`)
  })
}

test('firstMessage with 5-second credentials: refreshed in band, no error, still open', async ({ page, request }) => {
  await connectInDemo(page, 'firstMessage', { ttl: 5 })
  await expect(state(page)).toHaveAttribute('data-state', 'open')
  await expect
    .poll(async () => (await serverStats(request)).inBandReauths, { timeout: 12_000 })
    .toBeGreaterThanOrEqual(2)
  await expect(state(page)).toHaveAttribute('data-state', 'open')
  await expect(page.locator('#timeline li[data-type="error"]')).toHaveCount(0)
})

test('header() refuses to run in a browser and says what to use instead', async ({ page }) => {
  await bundlePage(page)
  const message = await page.evaluate(() => {
    const { AuthSocket } = window as unknown as { AuthSocket: any }
    try {
      new AuthSocket('/ws', { credentials: AuthSocket.header({ token: 'x' }) })
      return 'no error'
    } catch (error) {
      return `${(error as { code: string }).code}: ${(error as Error).message}`
    }
  })
  expect(message).toMatch(/^UNSUPPORTED_ENVIRONMENT: .*Use subprotocol\(\) or ticket\(\)/)
})

test(
  'the demo page: no 404 on load, the server says why a sign-in failed, counters count ' +
    'expiries and start again per connection, labels fit',
  async ({ page, request }) => {
    const missing: string[] = []
    page.on('response', (response) => response.status() === 404 && missing.push(response.url()))
    await page.goto('/')
    // The subtitle promises what the client guarantees, no more: queued in order, nothing on an unaccepted socket.
    await expect(page.locator('header p')).toContainText('queued and sent, in order, after the next authentication')
    await expect(page.locator('header p')).not.toContainText('never loses')
    await page.fill('#password', 'wrong')
    await page.click('#login')
    await expect(page.locator('#who')).toHaveText('Sign-in failed: Wrong username or password')
    await connectInDemo(page, 'query')
    await expect(state(page)).toHaveAttribute('data-state', 'open')
    await page.click('#expire-btn') // the server voids the token: 401 + 4001, the client renews it
    await expect(page.locator('#refreshes')).toHaveText('1')
    await expect(state(page)).toHaveAttribute('data-state', 'open')
    await page.click('#disconnect-btn')
    await page.click('#connect-btn')
    await expect(state(page)).toHaveAttribute('data-state', 'open')
    await expect(page.locator('#refreshes')).toHaveText('0')
    // Every timeline label fits its column.
    await page.click('#expire-btn')
    await expect(page.locator('#timeline li[data-type="unauthenticated"]').first()).toBeVisible()
    const spills = await page
      .locator('#timeline li b')
      .evaluateAll((labels) => labels.filter((b) => b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent))
    expect(spills).toEqual([])
    expect(missing).toEqual([])
    expect((await serverStats(request)).authenticated).toBeGreaterThan(0)
  },
)
