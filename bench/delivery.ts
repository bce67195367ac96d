/**
 * The delivery extensions under faults (docs/PROTOCOL.md section 7), against the reference
 * server in this process, whose application messages the bench sees through `observe`:
 * a half-open connection, chaos (crashes and freezes under 200 senders), and refreshes by
 * reconnect while the server streams.
 */
import WebSocket from 'ws'
import { startDemoServer, type DemoServer } from '../demo/server/app.js'
import { AuthSocket, cookie, queryToken, type AuthSocketOptions } from '../src/index.js'

type Frame = { type: 'echo'; data: { stream: string; n: number } } | { type: 'tick'; n: number }
const SECRET = 'delivery bench'
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) return false
    await delay(20)
  }
  return true
}

/** What an application saw of numbered streams: each must read 1, 2, 3, ... */
class Ledger {
  readonly seen = new Map<string, number[]>()
  add(stream: string, n: number): void {
    let list = this.seen.get(stream)
    if (!list) this.seen.set(stream, (list = []))
    list.push(n)
  }
  /** Against `sent` per stream: missing, repeated, and out of order (below the highest seen before it). */
  check(sent: Map<string, number>): { lost: number; duplicated: number; reordered: number } {
    let lost = 0
    let duplicated = 0
    let reordered = 0
    for (const [stream, count] of sent) {
      const got = new Set<number>()
      let highest = 0
      for (const n of this.seen.get(stream) ?? []) {
        if (got.has(n)) duplicated++
        else if (n < highest) reordered++
        got.add(n)
        highest = Math.max(highest, n)
      }
      for (let n = 1; n <= count; n++) if (!got.has(n)) lost++
    }
    return { lost, duplicated, reordered }
  }
}

/**
 * The reference server, its application messages going to `app`. `crash()` cuts every socket and
 * drops the server's memory; from then on this life's application sees nothing (`ws` would
 * still hand a frozen socket's buffered frames to it as the socket closes, which a crashed
 * process never does).
 */
async function server(port: number, app: Ledger): Promise<DemoServer & { crash(): Promise<void> }> {
  let alive = true
  const demo = await startDemoServer({
    port,
    testMode: true,
    jwtSecret: SECRET,
    log: () => undefined,
    observe: (_user, frame) => {
      const { stream, n } = frame as { stream?: unknown; n?: unknown }
      if (alive && typeof stream === 'string' && typeof n === 'number') app.add(stream, n)
    },
  })
  return Object.assign(demo, {
    crash: () => {
      alive = false
      return demo.close()
    },
  })
}

async function login(url: string, ttl?: number): Promise<string> {
  const body = (await (
    await fetch(`${url}/api/login`, {
      method: 'POST',
      body: JSON.stringify({ username: 'alice', password: 'alice', ttl }),
    })
  ).json()) as { token: string }
  return body.token
}

const post = (url: string, path: string, body: object = {}) =>
  fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) })

/**
 * The server stops reading for `freezeMs` (TCP up) while the client sends 10 messages/s. The
 * heartbeat runs with `interval` and `timeout`; the result says when the client declared the
 * connection dead, and what the server's application got.
 */
export async function halfOpen(freezeMs: number, heartbeat: { interval: number; timeout: number }) {
  const app = new Ledger()
  const demo = await server(0, app)
  const token = await login(demo.url)
  const socket = new AuthSocket<Frame>(`${demo.url.replace('http', 'ws')}/ws`, {
    WebSocket,
    origin: demo.url,
    heartbeat,
    credentials: queryToken({ token }),
  })
  let deathAt: number | undefined
  let deaths = 0
  socket.on('error', (e) => {
    if (e.code !== 'HEARTBEAT_TIMEOUT') return
    deaths++
    deathAt ??= Date.now()
  })
  await socket.ready
  await delay(50)
  await post(demo.url, '/test/freeze', { ms: freezeMs })
  const frozenAt = Date.now()
  let sent = 0
  while (Date.now() - frozenAt < freezeMs + 2000) {
    socket.send({ stream: 'half-open', n: ++sent })
    await delay(100)
  }
  await until(() => socket.queued === 0 && (app.seen.get('half-open')?.length ?? 0) >= sent, 10_000)
  socket.close()
  await demo.close()
  return {
    detectedAfterMs: deathAt === undefined ? undefined : deathAt - frozenAt,
    bound: heartbeat.interval + heartbeat.timeout,
    deaths,
    sent,
    ...app.check(new Map([['half-open', sent]])),
  }
}

/**
 * `clients` senders of 10 numbered messages/s each, whose echoes come back numbered (resume),
 * while the server crashes (every socket cut, sessions and replay buffers gone, a new epoch)
 * `crashes` times and freezes `freezes` times. A crash makes every client `resync`: what the
 * server had numbered for it and not yet delivered is gone, and a message the crashed server
 * delivered without its ack getting out is delivered again by the next one.
 */
export async function chaos(clients: number, crashes: number, freezes: number) {
  const app = new Ledger()
  let demo = await server(0, app)
  const port = demo.port
  const token = await login(demo.url)
  const options: AuthSocketOptions<Frame> = {
    WebSocket,
    origin: demo.url,
    heartbeat: { interval: 1000, timeout: 1000 },
    maxQueueSize: 10_000,
    credentials: queryToken({ token }),
  }
  const echoes = new Ledger()
  const sockets: AuthSocket<Frame>[] = []
  const sent = new Map<string, number>()
  let resyncs = 0
  let stopped = false
  for (let i = 0; i < clients; i++) {
    const socket = new AuthSocket<Frame>(`ws://127.0.0.1:${port}/ws`, options)
    socket.on('message', (m) => m.type === 'echo' && echoes.add(m.data.stream, m.data.n))
    socket.on('resync', () => resyncs++)
    sockets.push(socket)
  }
  await Promise.all(sockets.map((s) => s.ready))
  const senders = sockets.map(async (socket, i) => {
    const stream = `c${i}`
    await delay(Math.random() * 100)
    for (let n = 1; !stopped; n++) {
      socket.send({ stream, n })
      sent.set(stream, n)
      await delay(100)
    }
  })
  const started = Date.now()
  // Crashes and freezes alternate as far as they go: c f c f ... c c
  const order: ('crash' | 'freeze')[] = []
  for (let k = 0; k < Math.max(crashes, freezes); k++) {
    if (k < crashes) order.push('crash')
    if (k < freezes) order.push('freeze')
  }
  for (const fault of order) {
    await delay(1500)
    if (fault === 'freeze') await post(demo.url, '/test/freeze', { ms: 3000 })
    else {
      await demo.crash()
      await delay(300)
      demo = await server(port, app)
    }
  }
  await delay(1500)
  stopped = true
  await Promise.all(senders)
  const drained = await until(() => sockets.every((s) => s.queued === 0 && s.state === 'open'), 30_000)
  await delay(500)
  const runMs = Date.now() - started
  for (const socket of sockets) socket.close()
  await demo.close()
  const toServer = app.check(sent)
  const fromServer = echoes.check(sent)
  const messages = [...sent.values()].reduce((a, b) => a + b, 0)
  return { clients, crashes, freezes, runMs, drained, messages, resyncs, toServer, fromServer }
}

/**
 * The server streams 100 messages/s to two clients whose credential (a JWT cookie, which the
 * server cannot take in band) lives `ttl` seconds, so each refreshes by reconnecting: one with
 * resume, one without (the control), in the same run.
 */
export async function refreshByReconnect(refreshes: number, ttl = 2) {
  const demo = await server(0, new Ledger())
  const make = (resume: boolean) => {
    const socket = new AuthSocket<Frame>(`${demo.url.replace('http', 'ws')}/ws`, {
      WebSocket,
      origin: demo.url,
      resume,
      refreshMargin: 1000,
      credentials: cookie({ cookie: async () => `JWT=${await login(demo.url, ttl)}` }),
    })
    const ticks: number[] = []
    let authentications = 0
    socket.on('message', (m) => m.type === 'tick' && ticks.push(m.n))
    socket.on('authenticated', () => authentications++)
    return { socket, ticks, authentications: () => authentications }
  }
  const clients = [make(true), make(false)]
  await Promise.all(clients.map((c) => c.socket.ready))
  await delay(50)
  // Long enough for `refreshes` refreshes of `ttl`-second credentials renewed a second early, and some.
  const count = 100 * (ttl - 1) * (refreshes + 5)
  await post(demo.url, '/test/stream', { count, every: 10 })
  await delay(count * 10 + 500)
  await until(() => clients[0]!.ticks.length >= count, 10_000)
  await delay(500)
  for (const c of clients) c.socket.close()
  await demo.close()
  const tally = (c: (typeof clients)[number]) => ({
    refreshes: c.authentications() - 1,
    lost: count - new Set(c.ticks).size,
    duplicated: c.ticks.length - new Set(c.ticks).size,
  })
  return { count, resume: tally(clients[0]!), control: tally(clients[1]!) }
}
