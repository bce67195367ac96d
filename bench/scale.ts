/**
 * Django Channels past one process (issues 12 and 23): 500 clients (ticket and query providers,
 * half each) in 25 rooms of 20, spread over three daphne workers on Redis behind HAProxy
 * (test/interop/django/cluster.ts), each sending a numbered message a second to its room, which
 * every member gets (the package's group streams: the example's RoomConsumer). One worker is
 * SIGKILLed (started again 2 s after), another frozen for 20 s (SIGSTOP, then SIGCONT), then
 * Redis is restarted (AOF, fsync always). Measured, per backoff policy, on a fresh cluster each:
 * the time until every client is authenticated again after each fault, attempts and ticket
 * fetches per client, the peak upgrade attempts per second at the balancer, `resync` events per
 * fault, messages lost, duplicated and reordered both ways (per client from each sender of its
 * room, and in each room's log in Redis), and what Redis holds per session and per room.
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** `every`: ms between two messages of a client (500 clients every 4 s: 125 sent, 2,500 delivered a second). */
export async function scaleOut(
  policy: { name: string; retryDelay?: () => RetryDelay },
  clients = 500,
  roomSize = 20,
  every = 4000,
) {
  const cluster = await startCluster(3)
  try {
    const login = async (user: string) =>
      (
        (await (
          await fetch(`${cluster.lb.http}/api/jwt/`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: user, password: user }),
          })
        ).json()) as { access: string }
      ).access
    const tokens = { alice: await login('alice'), bob: await login('bob') }
    let fetches = 0
    const counted: typeof fetch = (input, init) => {
      fetches++
      return fetch(input, init)
    }
    const connectingAt: number[] = []
    const all = Array.from({ length: clients }, (_, i) => {
      const room = `r${Math.floor(i / roomSize)}`
      const token = i % 4 < 2 ? tokens.alice : tokens.bob
      const byTicket = i % 2 === 0
      const url = `${cluster.lb.ws}/ws/${byTicket ? 'rooms-redis-ticket' : 'rooms-redis'}/${room}/`
      const credentials = byTicket
        ? ticket({ endpoint: `${cluster.lb.http}/api/ws-ticket/`, token: () => token, fetch: counted })
        : queryToken({ token: () => token })
      const socket = new AuthSocket<Message, Message>(url, {
        WebSocket,
        origin: cluster.lb.origin,
        credentials,
        retryDelay: policy.retryDelay?.(),
        maxQueueSize: 10_000,
      })
      const got: Message[] = []
      const state = { socket, room, got, attempts: 0, resyncs: 0, worker: '' }
      socket.on('message', (m) => got.push(m))
      socket.on('authenticated', ({ user }) => {
        state.worker = (user as { worker: string }).worker
      })
      socket.on('connecting', () => {
        state.attempts++
        connectingAt.push(Date.now())
      })
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
    }, every)
    const recoveries: { fault: string; ms: number; resyncs: number }[] = []
    const resyncsNow = () => all.reduce((sum, c) => sum + c.resyncs, 0)
    /**
     * Runs `fault`, then waits until every client is open again (or 60 s); counts the `resync`
     * events from the fault until `settled` is done.
     */
    const fault = async (name: string, run: () => Promise<void>, settled: () => Promise<void>, away?: string) => {
      const at = Date.now()
      const resyncsBefore = resyncsNow()
      await run()
      await sleep(50)
      // Recovered: every client open, and none on the worker `away` (a frozen one).
      const recovered = () => all.every(({ socket, worker }) => socket.state === 'open' && worker !== away)
      while (!recovered() && Date.now() - at < 60_000) await sleep(10)
      const ms = Date.now() - at
      await settled()
      recoveries.push({ fault: name, ms, resyncs: resyncsNow() - resyncsBefore })
    }
    const [killed, frozen] = cluster.workers
    await sleep(3000)
    await fault(
      'worker w1 SIGKILLed',
      () => killed!.kill(),
      async () => {
        await sleep(2000)
        await killed!.start()
        await sleep(3000)
      },
    )
    // Frozen: its clients' heartbeat finds it (RoomConsumer: 5 s + 5 s) and they move; when it
    // runs again, it handles what waited for it (frames of sockets gone, the channel layer's).
    const freezeAt = Date.now()
    await fault(
      'worker w2 frozen 20 s',
      async () => {
        frozen!.freeze()
      },
      async () => {
        await sleep(20_000 - (Date.now() - freezeAt))
        frozen!.thaw()
        await sleep(3000)
      },
      frozen!.name,
    )
    await fault(
      'Redis restarted',
      () => cluster.redis.restart(),
      () => sleep(3000),
    )
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
      for (const [from, member] of all.entries())
        if (member.room === room) count(got.filter((m) => m.from === from).map((m) => m.n))
    }
    const downstream = { lost, duplicated, reordered }
    lost = duplicated = reordered = 0
    // Client to server: what each room's log in Redis holds from each sender (the package's
    // group log, authsocket:g:<group>:log, GROUP_LOG_SIZE 10,000 in the example's settings).
    const port = new URL(cluster.redis.url).port
    const redis = (...args: string[]) =>
      execFileSync('redis-cli', ['-p', port, '--raw', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 }).trim()
    for (const room of new Set(all.map((c) => c.room))) {
      const log = redis('LRANGE', `authsocket:g:room.${room}:log`, '0', '-1')
        .split('\n')
        .map((line) => JSON.parse(line) as Message)
      for (const [from, member] of all.entries())
        if (member.room === room) count(log.filter((m) => m.from === from).map((m) => m.n))
    }
    const upstream = { lost, duplicated, reordered }
    const memory = redisMemory(redis)
    const perSecond = new Map<number, number>()
    for (const at of connectingAt) perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1)
    const balancer = await cluster.balancer()
    for (const { socket } of all) socket.close()
    return {
      policy: policy.name,
      clients,
      every,
      sent,
      recoveries,
      attemptsPerClient: round((all.reduce((sum, c) => sum + c.attempts, 0) - attemptsBefore) / clients, 2),
      ticketFetchesPerTicketClient: round((fetches - fetchesBefore) / (clients / 2), 2),
      peakAttemptsPerSecClient: Math.max(0, ...perSecond.values()),
      peakAttemptsPerSecBalancer: balancer.peakRate,
      upgradesAtBalancer: balancer.sessions,
      resyncs: resyncsNow(),
      memory,
      downstream,
      upstream,
    }
  } finally {
    await cluster.stop()
  }
}

/**
 * What Redis holds for the delivery sessions and the groups, from `MEMORY USAGE` of each key (a
 * session is a hash and the list of its numbered frames; a group, a hash and its log): bytes
 * per session and per group, and per message kept.
 */
function redisMemory(redis: (...args: string[]) => string) {
  const usage = (pattern: string) => {
    const keys = redis('--scan', '--pattern', pattern).split('\n').filter(Boolean)
    let bytes = 0
    let messages = 0
    let owners = 0
    for (const key of keys) {
      bytes += Number(redis('MEMORY', 'USAGE', key, 'SAMPLES', '0'))
      if (key.endsWith(':log')) messages += Number(redis('LLEN', key))
      else owners++
    }
    return { owners, bytes, messages }
  }
  const sessions = usage('authsocket:s:*')
  const groups = usage('authsocket:g:*')
  return {
    sessions: sessions.owners,
    bytesPerSession: Math.round(sessions.bytes / Math.max(1, sessions.owners)),
    messagesPerSession: Math.round(sessions.messages / Math.max(1, sessions.owners)),
    bytesPerSessionMessage: Math.round(sessions.bytes / Math.max(1, sessions.messages)),
    groups: groups.owners,
    bytesPerGroup: Math.round(groups.bytes / Math.max(1, groups.owners)),
    messagesPerGroup: Math.round(groups.messages / Math.max(1, groups.owners)),
    bytesPerGroupMessage: Math.round(groups.bytes / Math.max(1, groups.messages)),
  }
}
