/**
 * Many tabs in Chromium (issue 13), against the reference server in this process: five pages of
 * one context, each with its own socket or sharing one (`shareSocket`). The sockets the server
 * holds, the upgrade attempts after it drops them all, acknowledged sends from a follower against
 * a tab with its own socket, and how long the socket takes to move when its tab closes.
 */
import type { Page } from '@playwright/test'
import { median, round } from './lib.js'
import { startBenchPages } from './pages.js'

/** Opens `window.socket` in the page (a string: tsx would inject helpers the page does not have). */
const open = (share: boolean) => `(async () => {
  const login = await fetch('/api/login', { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'alice' }) }).then((r) => r.json())
  const Native = WebSocket
  window.sockets = []
  window.WebSocket = class extends Native { constructor(...args) { super(...args); window.sockets.push(this) } }
  window.socket = new AuthSocket('/ws', { ${share ? "shareSocket: 'bench'," : ''} credentials: AuthSocket.ticket({ endpoint: '/api/ws-ticket', token: () => login.token }) })
  await window.socket.ready
})()`

/** Ms for `count` acknowledged sends from the page (a window of 100 in flight). */
const sendAcked = (count: number) => `(async () => {
  const started = performance.now()
  let inFlight = []
  for (let n = 1; n <= ${count}; n++) {
    inFlight.push(window.socket.send({ stream: 'bench-' + window.name + '-' + window.round, n }).acked)
    if (inFlight.length >= 100) { await Promise.all(inFlight); inFlight = [] }
  }
  await Promise.all(inFlight)
  return performance.now() - started
})()`

export async function manyTabs(executablePath: string, messages = 2000, rounds = 3) {
  const server = await startBenchPages()
  const { chromium } = await import('@playwright/test')
  const browser = await chromium.launch({ executablePath, args: ['--disable-background-networking', '--no-first-run'] })
  const stats = async () =>
    (await (await fetch(`${server.url}/test/stats`)).json()) as {
      peakSockets: number
      attempts: number
      authenticated: number
    }
  const reset = () => fetch(`${server.url}/test/reset`, { method: 'POST' })
  const holds = (page: Page) => page.evaluate('window.sockets.some((s) => s.readyState === 1)') as Promise<boolean>
  const tabs = async (share: boolean) => {
    const context = await browser.newContext()
    const pages: Page[] = []
    for (let i = 0; i < 5; i++) {
      const page = await context.newPage()
      await page.goto(`${server.url}/page.html`)
      await page.evaluate(`window.name = 'tab${i}'; window.round = 0`)
      await page.evaluate(open(share))
      pages.push(page)
    }
    return { context, pages }
  }
  try {
    const result: Record<'own' | 'shared', { sockets: number; attemptsAfterDrop: number; ackedMsgsPerSec: number }> =
      {} as never
    const sendRates: Record<'own' | 'shared', number[]> = { own: [], shared: [] }
    const moves: number[] = []
    for (const mode of ['own', 'shared'] as const) {
      await reset()
      const { context, pages } = await tabs(mode === 'shared')
      const sockets = (await stats()).peakSockets
      // The server drops every socket: how many upgrade attempts come back.
      const before = (await stats()).attempts
      await fetch(`${server.url}/test/drop`, { method: 'POST' })
      for (let i = 0; i < 500; i++) {
        const states = (await Promise.all(pages.map((page) => page.evaluate('window.socket.state')))) as string[]
        if (i > 5 && states.every((state) => state === 'open')) break
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      const attemptsAfterDrop = (await stats()).attempts - before
      // Acknowledged sends from a tab that does not hold the socket (shared), or from one with its own.
      const holder = mode === 'shared' ? (await Promise.all(pages.map(holds))).indexOf(true) : -1
      const sender = pages[holder === 0 ? 1 : 0]!
      for (let round = 0; round < rounds; round++) {
        await sender.evaluate(`window.round = ${round}`)
        sendRates[mode].push((messages / ((await sender.evaluate(sendAcked(messages))) as number)) * 1000)
      }
      result[mode] = { sockets, attemptsAfterDrop, ackedMsgsPerSec: round(median(sendRates[mode]), 0) }
      if (mode === 'shared') {
        // The socket moves: its tab closes, and the next tab's socket opens.
        let alive = pages
        for (let i = 0; i < 4; i++) {
          const index = (await Promise.all(alive.map(holds))).indexOf(true)
          const closedAt = Date.now()
          await alive[index]!.close()
          alive = alive.filter((_, k) => k !== index)
          for (let k = 0; k < 1000 && !(await Promise.all(alive.map(holds))).includes(true); k++)
            await new Promise((resolve) => setTimeout(resolve, 2))
          moves.push(Date.now() - closedAt)
        }
      }
      await context.close()
    }
    return {
      ...result,
      ratio: round(median(sendRates.shared) / median(sendRates.own), 2),
      moveMedianMs: median(moves),
      moveMaxMs: Math.max(...moves),
      messages,
      rounds,
    }
  } finally {
    await browser.close()
    await server.close()
  }
}
