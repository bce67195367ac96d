/**
 * Django Channels past one process (issue 12): 500 clients (ticket and query providers, half
 * each) in 25 rooms of 20, spread over three daphne workers on Redis behind HAProxy
 * (test/interop/django/cluster.ts), each sending a numbered message a second. One worker is
 * SIGKILLed, later another (each started again 2 s after), then Redis is restarted. Measured,
 * per backoff policy, on a fresh cluster each: the time until every client is authenticated
 * again after each fault, attempts and ticket fetches per client, the peak upgrade attempts
 * per second at the balancer, and messages lost, duplicated and reordered both ways.
 */
import { execFileSync } from 'node:child_process'
import WebSocket from 'ws'
import { AuthSocket, queryToken, ticket, type RetryDelay } from '../src/index.js'
import { startCluster } from '../test/interop/django/cluster.js'
import { round } from './lib.js'

type Message = { from: number; n: number }

/**
 * AWS's decorrelated jitter ("Exponential Backoff And Jitter", base 1 s, cap 30 s): each delay
 * random between the base and three times the previous one, the first from the base. A factory:
 * each client keeps its own previous delay.
 */
export function decorrelatedJitter(base = 1000, cap = 30_000): () => RetryDelay {
  return () => {
    let last = base
    return (retries) => (last = Math.min(cap, base + Math.random() * ((retries === 1 ? base : last) * 3 - base)))
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function scaleOut(policy: { name: string; retryDelay?: () => RetryDelay }, clients = 500, roomSize = 20) {
  const cluster = await startCluster(3)
  try {
    const login = async (user: string) => ((await (await fetch(`${cluster.lb.http}/api/jwt/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, password: user }) })).json()) as { access: string }).access
    const tokens = { alice: await login('alice'), bob: await login('bob') }
    let fetches = 0
    const counted: typeof fetch = (input, init) => (fetches++, fetch(input, init))
    const connectingAt: number[] = []
    const all = Array.from({ length: clients }, (_, i) => {
      const room = `r${Math.floor(i / roomSize)}`
      const token = i % 4 < 2 ? tokens.alice : tokens.bob
      const byTicket = i % 2 === 0
      const url = `${cluster.lb.ws}/ws/${byTicket ? 'rooms-redis-ticket' : 'rooms-redis'}/${room}/`
      const credentials = byTicket ? ticket({ endpoint: `${cluster.lb.http}/api/ws-ticket/`, token: () => token, fetch: counted }) : queryToken({ token: () => token })
      const socket = new AuthSocket<Message, Message>(url, { WebSocket, origin: cluster.lb.origin, credentials, retryDelay: policy.retryDelay?.(), maxQueueSize: 10_000 })
      const got: Message[] = []
      const state = { socket, room, got, attempts: 0, resyncs: 0 }
      socket.on('message', (m) => got.push(m))
      socket.on('connecting', () => (state.attempts++, connectingAt.push(Date.now())))
      socket.on('resync', () => state.resyncs++)
      return state
    })
    await Promise.all(all.map(({ socket }) => socket.ready))
    await sleep(500) // every session frame is in
    const fetchesBefore = fetches
    const attemptsBefore = all.reduce((sum, c) => sum + c.attempts, 0)
    connectingAt.length = 0
    await cluster.clearCounters()

    let n = 0
    const sender = setInterval(() => {
      n++
      all.forEach(({ socket }, from) => socket.send({ from, n }))
    }, 1000)
    const recoveries: { fault: string; ms: number }[] = []
    /** Runs `fault`, then waits until every client is open again (or 60 s). */
    const fault = async (name: string, run: () => Promise<void>) => {
      const at = Date.now()
      await run()
      await sleep(50)
      while (all.some(({ socket }) => socket.state !== 'open') && Date.now() - at < 60_000) await sleep(10)
      recoveries.push({ fault: name, ms: Date.now() - at })
    }
    await sleep(3000)
    await fault('worker w1 SIGKILLed', () => cluster.workers[0]!.kill())
    await sleep(2000)
    await cluster.workers[0]!.start()
    await sleep(3000)
    await fault('worker w2 SIGKILLed', () => cluster.workers[1]!.kill())
    await sleep(2000)
    await cluster.workers[1]!.start()
    await sleep(3000)
    await fault('Redis restarted', () => cluster.redis.restart())
    await sleep(3000)
    clearInterval(sender)
    const sent = n

    // Everything delivered: every client has every message of its room.
    const expected = roomSize * sent
    const deadline = Date.now() + 60_000
    while (all.some(({ got }) => got.length < expected) && Date.now() < deadline) await sleep(100)
    let lost = 0
    let duplicated = 0
    let reordered = 0
    const count = (list: number[]) => {
      const seen = new Set<number>()
      let last = 0
      for (const value of list) {
        if (seen.has(value)) duplicated++
        else if (value < last) reordered++
        seen.add(value)
        last = Math.max(last, value)
      }
      lost += sent - seen.size
    }
    // Server to client: what each client got from each sender of its room.
    for (const { got, room } of all) {
      for (const [from, member] of all.entries()) if (member.room === room) count(got.filter((m) => m.from === from).map((m) => m.n))
    }
    const downstream = { lost, duplicated, reordered }
    lost = duplicated = reordered = 0
    // Client to server: what each room's log in Redis holds from each sender.
    const port = new URL(cluster.redis.url).port
    for (const room of new Set(all.map((c) => c.room))) {
      const log = execFileSync('redis-cli', ['-p', port, '--raw', 'LRANGE', `room:${room}:log`, '0', '-1'], { encoding: 'utf8', maxBuffer: 1 << 28 }).trim().split('\n').map((line) => JSON.parse(line).data as Message)
      for (const [from, member] of all.entries()) if (member.room === room) count(log.filter((m) => m.from === from).map((m) => m.n))
    }
    const upstream = { lost, duplicated, reordered }
    const perSecond = new Map<number, number>()
    for (const at of connectingAt) perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1)
    const balancer = await cluster.balancer()
    for (const { socket } of all) socket.close()
    return {
      policy: policy.name,
      clients,
      sent,
      recoveries,
      attemptsPerClient: round((all.reduce((sum, c) => sum + c.attempts, 0) - attemptsBefore) / clients, 2),
      ticketFetchesPerTicketClient: round((fetches - fetchesBefore) / (clients / 2), 2),
      peakAttemptsPerSecClient: Math.max(0, ...perSecond.values()),
      peakAttemptsPerSecBalancer: balancer.peakRate,
      upgradesAtBalancer: balancer.sessions,
      resyncs: all.reduce((sum, c) => sum + c.resyncs, 0),
      downstream,
      upstream,
    }
  } finally {
    await cluster.stop()
  }
}
