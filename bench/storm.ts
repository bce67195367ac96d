/**
 * Restart storm: 1000 authenticated Node clients (ticket provider, default backoff) hold queued
 * messages while the reference server is down, then it restarts. Measures the time until all are
 * re-authenticated, the peak connection attempts per second, ticket fetches per attempt, and the
 * messages lost. Refresh load: 1000 sockets share one token source and all reach expiry.
 */
import WebSocket from 'ws'
import { AuthSocket, queryToken, ticket } from '../src/index.js'
import { round, startChild } from './lib.js'

/** The reference server in its own process; port 0 picks a free one, a restart passes the same port again. */
const referenceServer = (port: number) =>
  startChild(process.execPath, ['--import', 'tsx', 'demo/server/index.ts', '--test-hooks'], {
    PORT: String(port),
    TOKEN_TTL: '3600',
    JWT_SECRET: 'bench: tokens survive the restart',
  })

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export interface StormResult {
  clients: number
  downtimeMs: number
  reauthenticatedAfterMs: number
  peakAttemptsPerSec: number
  attempts: number
  ticketsPerAttempt: number
  messagesQueued: number
  messagesLost: number
}

export async function restartStorm(clients: number, downtimeMs: number): Promise<StormResult> {
  let server = await referenceServer(0)
  const port = server.port
  const http = `http://127.0.0.1:${port}`
  const login = (await (
    await fetch(`${http}/api/login`, { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'alice' }) })
  ).json()) as { token: string }
  const credentials = ticket({ endpoint: `${http}/api/ws-ticket`, token: login.token })
  const sockets: AuthSocket<unknown, { stream: string; n: number }>[] = []
  const attemptTimes: number[] = []
  let authenticated = 0
  try {
    for (let i = 0; i < clients; i++) {
      const socket = new AuthSocket<unknown, { stream: string; n: number }>(`ws://127.0.0.1:${port}/ws`, {
        WebSocket,
        credentials,
      })
      socket.on('connecting', () => attemptTimes.push(performance.now()))
      socket.on('authenticated', () => authenticated++)
      sockets.push(socket)
    }
    await until(() => authenticated === clients, 60_000, 'every client authenticated')
    await server.stop()
    await until(() => sockets.every((s) => s.state !== 'open'), 10_000, 'every client to notice')
    sockets.forEach((socket, i) => {
      for (let n = 1; n <= 3; n++) socket.send({ stream: `c${i}`, n })
    })
    const queued = sockets.reduce((sum, s) => sum + s.queued, 0)
    await new Promise((resolve) => setTimeout(resolve, downtimeMs))
    authenticated = 0
    attemptTimes.length = 0
    server = await referenceServer(port)
    const restartedAt = performance.now()
    await until(() => authenticated >= clients, 120_000, 'every client re-authenticated')
    const reauthenticatedAfterMs = performance.now() - restartedAt
    await until(() => sockets.every((s) => s.queued === 0), 10_000, 'queues drained')
    await new Promise((resolve) => setTimeout(resolve, 500))
    const stats = (await (await fetch(`${http}/test/stats`)).json()) as {
      attempts: number
      ticketsIssued: number
      streams: Record<string, { received: number; errors: string[] }>
    }
    const perSecond = new Map<number, number>()
    for (const t of attemptTimes)
      perSecond.set(
        Math.floor((t - restartedAt) / 1000),
        (perSecond.get(Math.floor((t - restartedAt) / 1000)) ?? 0) + 1,
      )
    let lost = 0
    for (let i = 0; i < clients; i++)
      lost += 3 - (stats.streams[`c${i}`]?.received ?? 0) + (stats.streams[`c${i}`]?.errors.length ?? 0)
    return {
      clients,
      downtimeMs,
      reauthenticatedAfterMs: round(reauthenticatedAfterMs, 0),
      peakAttemptsPerSec: Math.max(...perSecond.values()),
      attempts: stats.attempts,
      ticketsPerAttempt: round(stats.ticketsIssued / stats.attempts, 3),
      messagesQueued: queued,
      messagesLost: lost,
    }
  } finally {
    sockets.forEach((s) => s.close())
    await server.stop()
  }
}

export interface RefreshLoadResult {
  sockets: number
  expiries: number
  tokenFetches: number
  fetchesPerExpiry: number
}

export async function refreshLoad(count: number, ttlSeconds: number, expiries: number): Promise<RefreshLoadResult> {
  const server = await referenceServer(0)
  const { port } = server
  const http = `http://127.0.0.1:${port}`
  let fetches = 0
  const source = async () => {
    fetches++
    const response = await fetch(`${http}/api/login`, {
      method: 'POST',
      body: JSON.stringify({ username: 'alice', password: 'alice', ttl: ttlSeconds }),
    })
    return ((await response.json()) as { token: string }).token
  }
  const credentials = queryToken({ token: source }) // one provider, one token source, for all sockets
  const sockets: AuthSocket[] = []
  let refreshes = 0
  try {
    for (let i = 0; i < count; i++) {
      const socket = new AuthSocket(`ws://127.0.0.1:${port}/ws`, { WebSocket, credentials })
      socket.on('refresh', () => refreshes++)
      sockets.push(socket)
    }
    await Promise.all(sockets.map((s) => s.ready))
    const initial = fetches
    await until(() => refreshes >= count * expiries, (ttlSeconds + 2) * 1000 * expiries, `${expiries} expiries`)
    await until(() => sockets.every((s) => s.state === 'open'), 10_000, 'all open again')
    return {
      sockets: count,
      expiries,
      tokenFetches: fetches - initial,
      fetchesPerExpiry: round((fetches - initial) / expiries, 2),
    }
  } finally {
    sockets.forEach((s) => s.close())
    await server.stop()
  }
}
