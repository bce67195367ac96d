import { expect, test } from '@playwright/test'
import { resetServer, serverStats } from './helpers.js'

test.beforeEach(async ({ request }) => resetServer(request))

test('React example: one connection under StrictMode, messages flow, unmount closes the socket', async ({
  page,
  request,
}) => {
  await page.goto('/examples/react/dist/index.html')
  await expect(page.getByTestId('state')).toHaveText('open')
  await page.getByTestId('send').click()
  await expect(page.getByTestId('log')).toContainText('hello #1')
  await expect(page.getByTestId('last')).toHaveText('hello #1')
  const stats = await serverStats(request)
  expect(stats.attempts).toBe(1)
  expect(stats.ticketsIssued).toBe(1)
  expect(stats.openSockets).toBe(1)
  await expect(page.getByTestId('user')).toHaveText('{"name":"alice"}')
  await expect(page.getByTestId('queued')).toHaveText('0')
  await expect(page.getByTestId('error')).toHaveText('none')
  // 100 renders, each with a new inline provider object: still the one connection.
  await page.getByTestId('rerender').click()
  await expect(page.getByTestId('renders')).toHaveText('100')
  await page.getByTestId('send').click()
  await expect(page.getByTestId('log')).toContainText('hello #2')
  expect((await serverStats(request)).attempts).toBe(1)
  await page.getByTestId('toggle').click()
  await expect.poll(async () => (await serverStats(request)).openSockets).toBe(0)
  await page.getByTestId('toggle').click()
  await expect(page.getByTestId('state')).toHaveText('open')
  expect((await serverStats(request)).attempts).toBe(2)
})

for (const framework of ['vue', 'svelte'] as const) {
  test(`${framework} example: the status store drives the view, messages flow, one connection`, async ({
    page,
    request,
  }) => {
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(`/examples/${framework}/dist/index.html`)
    await expect(page.getByTestId('state')).toHaveText('open')
    await expect(page.getByTestId('user')).toHaveText('{"name":"alice"}')
    await expect(page.getByTestId('queued')).toHaveText('0')
    await page.getByTestId('send').click()
    await expect(page.getByTestId('log')).toContainText(`hello from ${framework === 'vue' ? 'Vue' : 'Svelte'} #1`)
    expect((await serverStats(request)).attempts).toBe(1)
    expect(errors).toEqual([])
  })
}

test('vanilla example: one script tag, served from the repository', async ({ page }) => {
  const missing: string[] = []
  page.on('response', (response) => response.status() >= 400 && missing.push(response.url()))
  await page.goto('/examples/vanilla/index.html')
  await expect(page.locator('#state')).toHaveText('open')
  await page.click('button')
  await expect(page.locator('#log')).toContainText('hello from a CDN')
  expect(missing).toEqual([])
})
