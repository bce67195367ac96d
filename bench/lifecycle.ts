/**
 * The page lifecycle in Chromium (issue 15), against the reference server in this process: the
 * back/forward cache live, offline for 30 s (`context.setOffline`), and a wake (`resume` on
 * `document`, dispatched by the page: headless Chromium cannot freeze a page) while the client
 * waits out a 30 s backoff after the server dropped it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDemoServer } from '../demo/server/app.js'
import { median, round } from './lib.js'

export async function pageLifecycle(executablePath: string, offlineSeconds = 30) {
  const dir = mkdtempSync(join(tmpdir(), 'authsocket-bench-'))
  writeFileSync(join(dir, 'page.html'), '<!doctype html><title>bench</title><script src="/authsocket.iife.min.js"></script>')
  writeFileSync(join(dir, 'away.html'), '<!doctype html><title>away</title>')
  const server = await startDemoServer({ port: 0, testMode: true, log: () => undefined, staticDirs: [['/', dir], ['/', 'dist']] })
  const { chromium } = await import('@playwright/test')
  const browser = await chromium.launch({ executablePath, ignoreDefaultArgs: ['--disable-back-forward-cache'], args: ['--disable-background-networking', '--no-first-run'] })
  try {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${server.url}/page.html`)
    // A string, not a function: tsx would inject helpers (__name) the page does not have.
    await page.evaluate(`(async () => {
      const login = await fetch('/api/login', { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'alice' }) }).then((r) => r.json())
      const w = window
      // Offline emulation does not cut an open socket: the heartbeat (2 s + 2 s here) finds it dead.
      w.socket = new AuthSocket('/ws', { heartbeat: { interval: 2000, timeout: 2000 }, credentials: AuthSocket.ticket({ endpoint: '/api/ws-ticket', token: () => login.token }) })
      // The control, in the same page: the same client with the cache handling off (the browser cuts its socket; it finds out on return).
      w.control = new AuthSocket('/ws', { bfcache: false, credentials: AuthSocket.ticket({ endpoint: '/api/ws-ticket', token: () => login.token }) })
      Object.assign(w, { attempts: [], authenticatedAt: [], controlAt: [], shownAt: [], errors: [] })
      w.control.on('authenticated', () => w.controlAt.push(performance.now()))
      w.socket.on('connecting', () => w.attempts.push(navigator.onLine))
      w.socket.on('authenticated', () => w.authenticatedAt.push(performance.now()))
      w.socket.on('error', (e) => w.errors.push(e.code))
      addEventListener('pageshow', (e) => e.persisted && w.shownAt.push(performance.now()))
      await w.socket.ready
      await w.control.ready
    })()`)
    const read = <T>(expression: string) => page.evaluate(expression) as Promise<T>
    const authentications = () => read<number>('window.authenticatedAt.length')
    const waitFor = async (count: number) => {
      for (let i = 0; i < 500 && (await authentications()) < count; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    }

    for (let i = 0; i < 10; i++) {
      await page.goto(`${server.url}/away.html`)
      await page.goBack({ waitUntil: 'commit' })
      await waitFor(i + 2)
      for (let k = 0; k < 300 && (await read<number>('window.controlAt.length')) < i + 2; k++) await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const bfcache = await read<{ gaps: number[]; control: number[]; restores: number }>(
      '({ gaps: window.shownAt.map((t, i) => window.authenticatedAt[i + 1] - t), control: window.shownAt.map((t) => window.controlAt.find((at) => at > t) - t), restores: window.shownAt.length })',
    )
    await read('window.control.close()')

    const before = await read<number>('window.attempts.length')
    await context.setOffline(true)
    const offlineAt = Date.now()
    for (let i = 0; i < 1000 && (await read<string>('window.socket.state')) === 'open'; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, offlineAt + offlineSeconds * 1000 - Date.now())))
    const onlineAt = await read<number>('performance.now()')
    const count = await authentications()
    await context.setOffline(false)
    await waitFor(count + 1)
    const offline = await read<{ attempts: boolean[]; at: number }>('({ attempts: window.attempts, at: window.authenticatedAt.at(-1) })')

    // A wake: the server drops the socket and refuses for a moment, so the client waits out a 30 s backoff; then the page wakes.
    await read(`window.socket.close(), window.socket = new AuthSocket('/ws', { retryDelay: () => 30000, credentials: AuthSocket.queryToken({ token: () => fetch('/api/login', { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'alice' }) }).then((r) => r.json()).then((b) => b.token) }) }), window.socket.ready`)
    await read(`window.socket.on('authenticated', () => window.authenticatedAt.push(performance.now()))`)
    await fetch(`${server.url}/test/drop`, { method: 'POST' })
    for (let i = 0; i < 100 && (await read<string>('window.socket.state')) === 'open'; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    await new Promise((resolve) => setTimeout(resolve, 200))
    const woken = await authentications()
    const wokeAt = await read<number>(`(document.dispatchEvent(new Event('resume')), performance.now())`)
    await waitFor(woken + 1)
    const wakeToOpen = (await read<number>('window.authenticatedAt.at(-1)')) - wokeAt

    return {
      bfcache: { restores: bfcache.restores, medianMs: round(median(bfcache.gaps), 1), maxMs: round(Math.max(...bfcache.gaps), 1), controlMedianMs: round(median(bfcache.control), 1), controlMaxMs: round(Math.max(...bfcache.control), 1) },
      offline: { seconds: offlineSeconds, attemptsWhileOffline: offline.attempts.slice(before).filter((online) => !online).length, onlineToOpenMs: round(offline.at - onlineAt, 1) },
      wakeToOpenMs: round(wakeToOpen, 1),
      errors: await read<string[]>('window.errors'),
    }
  } finally {
    await browser.close()
    await server.close()
  }
}
