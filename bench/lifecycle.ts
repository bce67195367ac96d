/**
 * The page lifecycle in Chromium (issue 15), against the reference server in this process: the
 * back/forward cache live, offline for 30 s (`context.setOffline`), and a wake (`resume` on
 * `document`, dispatched by the page: headless Chromium cannot freeze a page) while the client
 * waits out a 30 s backoff after the server dropped it; and wakes of an open client whose
 * connection died in a "sleep" (a TCP proxy between page and server cuts the server's side,
 * and answers the client's next bytes with a reset, as a server's kernel does, or with nothing).
 */

/**
 * A TCP proxy to `port`. `sleep(answer)` kills every connection through it on the server's side; the client's side
 * finds out only when it sends: a reset, or silence.
 */
async function sleepingProxy(port: number) {
  const pairs = new Set<[Socket, Socket]>()
  const proxy = createServer((client) => {
    const upstream = tcp(port, '127.0.0.1')
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    client.pipe(upstream).pipe(client)
    const end = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  return {
    port: (proxy.address() as { port: number }).port,
    sleep(answer: 'reset' | 'silence') {
      for (const pair of pairs) {
        const [client, upstream] = pair
        pairs.delete(pair)
        client.unpipe(upstream)
        upstream.unpipe(client)
        upstream.destroy()
        client.removeAllListeners('data')
        client.on('data', () => (answer === 'reset' ? client.resetAndDestroy() : undefined))
        client.resume()
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        proxy.close(() => resolve())
        pairs.forEach(([a, b]) => {
          a.destroy()
          b.destroy()
        })
      }),
  }
}
import { createServer, connect as tcp, type Socket } from 'node:net'
import { median, round } from './lib.js'
import { startBenchPages } from './pages.js'

export async function pageLifecycle(executablePath: string, offlineSeconds = 30) {
  const server = await startBenchPages({ 'away.html': '<!doctype html><title>away</title>' })
  const { chromium } = await import('@playwright/test')
  const browser = await chromium.launch({
    executablePath,
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
    args: ['--disable-background-networking', '--no-first-run'],
  })
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
      // The control, in the same page: the same client with the cache handling off (the browser cuts its socket; it
      // finds out on return).
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
      for (let i = 0; i < 500 && (await authentications()) < count; i++)
        await new Promise((resolve) => setTimeout(resolve, 10))
    }

    for (let i = 0; i < 10; i++) {
      await page.goto(`${server.url}/away.html`)
      await page.goBack({ waitUntil: 'commit' })
      await waitFor(i + 2)
      for (let k = 0; k < 300 && (await read<number>('window.controlAt.length')) < i + 2; k++)
        await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const bfcache = await read<{ gaps: number[]; control: number[]; restores: number }>(
      '({ gaps: window.shownAt.map((t, i) => window.authenticatedAt[i + 1] - t), control: ' +
        'window.shownAt.map((t) => window.controlAt.find((at) => at > t) - t), restores: ' +
        'window.shownAt.length })',
    )
    const closeCodes = (
      (await (await fetch(`${server.url}/test/stats`)).json()) as { closeCodes: Record<string, number> }
    ).closeCodes
    await read('window.control.close()')

    const before = await read<number>('window.attempts.length')
    await context.setOffline(true)
    const offlineAt = Date.now()
    for (let i = 0; i < 1000 && (await read<string>('window.socket.state')) === 'open'; i++)
      await new Promise((resolve) => setTimeout(resolve, 10))
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, offlineAt + offlineSeconds * 1000 - Date.now())))
    const onlineAt = await read<number>('performance.now()')
    const count = await authentications()
    await context.setOffline(false)
    await waitFor(count + 1)
    const offline = await read<{ attempts: boolean[]; at: number }>(
      '({ attempts: window.attempts, at: window.authenticatedAt.at(-1) })',
    )

    // A wake: the server drops the socket and refuses for a moment, so the client waits out a 30 s backoff; then the
    // page wakes.
    await read(
      `window.socket.close(), window.socket = new AuthSocket('/ws', { retryDelay: () => 30000, ` +
        `credentials: AuthSocket.queryToken({ token: () => fetch('/api/login', { method: 'POST', ` +
        `body: JSON.stringify({ username: 'alice', password: 'alice' }) }).then((r) => ` +
        `r.json()).then((b) => b.token) }) }), window.socket.ready`,
    )
    await read(`window.socket.on('authenticated', () => window.authenticatedAt.push(performance.now()))`)
    await fetch(`${server.url}/test/drop`, { method: 'POST' })
    for (let i = 0; i < 100 && (await read<string>('window.socket.state')) === 'open'; i++)
      await new Promise((resolve) => setTimeout(resolve, 10))
    await new Promise((resolve) => setTimeout(resolve, 200))
    const woken = await authentications()
    const wokeAt = await read<number>(`(document.dispatchEvent(new Event('resume')), performance.now())`)
    await waitFor(woken + 1)
    const wakeToOpen = (await read<number>('window.authenticatedAt.at(-1)')) - wokeAt
    await read('window.socket.close()')

    // Wakes of an open client whose connection died while it slept: 5 of each kind.
    const proxy = await sleepingProxy(Number(new URL(server.url).port))
    const wakeOpen = { reset: [] as number[], silence: [] as number[] }
    await read(
      `window.socket = new AuthSocket('ws://127.0.0.1:${proxy.port}/ws', { heartbeat: { ` +
        `interval: 25000, timeout: 2000 }, retryDelay: () => 5000, credentials: ` +
        `AuthSocket.queryToken({ token: () => fetch('/api/login', { method: 'POST', body: ` +
        `JSON.stringify({ username: 'alice', password: 'alice' }) }).then((r) => ` +
        `r.json()).then((b) => b.token) }) }), window.socket.ready`,
    )
    await read(`window.socket.on('authenticated', () => window.authenticatedAt.push(performance.now()))`)
    for (const answer of [
      'reset',
      'silence',
      'reset',
      'silence',
      'reset',
      'silence',
      'reset',
      'silence',
      'reset',
      'silence',
    ] as const) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      proxy.sleep(answer)
      const count = await authentications()
      const at = await read<number>(`(document.dispatchEvent(new Event('resume')), performance.now())`)
      for (let i = 0; i < 600 && (await authentications()) === count; i++)
        await new Promise((resolve) => setTimeout(resolve, 10))
      wakeOpen[answer].push((await read<number>('window.authenticatedAt.at(-1)')) - at)
    }
    await proxy.close()

    return {
      bfcache: {
        closeCodes,
        restores: bfcache.restores,
        medianMs: round(median(bfcache.gaps), 1),
        maxMs: round(Math.max(...bfcache.gaps), 1),
        controlMedianMs: round(median(bfcache.control), 1),
        controlMaxMs: round(Math.max(...bfcache.control), 1),
      },
      offline: {
        seconds: offlineSeconds,
        attemptsWhileOffline: offline.attempts.slice(before).filter((online) => !online).length,
        onlineToOpenMs: round(offline.at - onlineAt, 1),
      },
      wakeToOpenMs: round(wakeToOpen, 1),
      wakeOpen: {
        resetMedianMs: round(median(wakeOpen.reset), 1),
        resetMaxMs: round(Math.max(...wakeOpen.reset), 1),
        silenceMedianMs: round(median(wakeOpen.silence), 1),
        silenceMaxMs: round(Math.max(...wakeOpen.silence), 1),
        timeoutMs: 2000,
      },
      errors: await read<string[]>('window.errors'),
    }
  } finally {
    await browser.close()
    await server.close()
  }
}
