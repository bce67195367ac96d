/**
 * Django Channels past one process (issue 12): three daphne workers on Redis behind HAProxy
 * (cluster.ts). What must hold there: a ticket minted by one worker is redeemed by any, exactly
 * once, even when it is presented to two at the same moment; a room spans the workers; the
 * balancer spreads clients with no sticky sessions.
 */
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AuthSocket, queryToken } from '../../../src/index.js'
import { startCluster, type Cluster, type Endpoint } from './cluster.js'
import { post } from './daphne.js'
import { until } from '../../helpers/events.js'
import { track } from '../../helpers/tokens.js'

let cluster: Cluster
beforeAll(async () => {
  cluster = await startCluster(3)
}, 90_000)
afterAll(() => cluster?.stop())

const jwt = async (user = 'alice') =>
  track((await post(`${cluster.lb.http}/api/jwt/`, { username: user, password: user })).json.access as string)

async function mint(at: Endpoint, token: string, endpoint = '/api/ws-ticket/'): Promise<string> {
  const response = await fetch(`${at.http}${endpoint}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  })
  return track(((await response.json()) as { ticket: string }).ticket)
}

/** Opens a raw socket at `url` and resolves with the server's first frame (the status frame), the socket still open. */
function greeted(
  url: string,
  origin: string,
): Promise<{ socket: WebSocket; status: number; data: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { origin })
    socket.once('message', (raw) => {
      const { payload } = JSON.parse(String(raw))
      resolve({ socket, status: payload.status_code, data: payload.data })
    })
    socket.once('error', reject)
    socket.once('close', (code) => reject(new Error(`closed ${code} before a status frame`)))
  })
}

/**
 * Waits until HAProxy holds every worker UP: a worker an earlier test killed may not be yet, and
 * then the balancer sends every client elsewhere (a kill moves nobody, a reconnect stays put).
 */
async function everyWorkerUp(): Promise<void> {
  while ((await cluster.balancer()).up.length < cluster.workers.length)
    await new Promise((resolve) => setTimeout(resolve, 100))
}

describe('Django Channels on Redis, three workers, HAProxy', () => {
  it('a ticket minted through one worker is redeemed through another, once', async () => {
    const [w1, w2, w3] = cluster.workers
    const ticket = await mint(w1!, await jwt())
    const first = await greeted(`${w2!.ws}/ws/ticket/?ticket=${ticket}`, w2!.origin)
    const again = await greeted(`${w3!.ws}/ws/ticket/?ticket=${ticket}`, w3!.origin)
    const [code] = (await once(again.socket, 'close')) as [number]
    first.socket.close()
    expect([first.status, again.status, code]).toEqual([200, 401, 4001])
  })

  // django-redis redeems with GETDEL; the file cache with get() and a delete() that says whether it deleted.
  for (const [cache, endpoint, route] of [
    ['django-redis', '/api/ws-ticket/', '/ws/ticket/'],
    ['the file cache', '/api/ws-ticket-files/', '/ws/ticket-files/'],
  ] as const) {
    it(`the same ticket presented to two workers at the same moment, 1000 times (${cache}): exactly one accepted each time`, async () => {
      const [w1, w2, w3] = cluster.workers
      const token = await jwt()
      const accepted: number[] = []
      const round = async () => {
        const ticket = await mint(w1!, token, endpoint)
        const both = await Promise.all([w2!, w3!].map((w) => greeted(`${w.ws}${route}?ticket=${ticket}`, w.origin)))
        for (const { socket } of both) socket.close()
        accepted.push(both.filter(({ status }) => status === 200).length)
      }
      for (let done = 0; done < 1000; done += 25) await Promise.all(Array.from({ length: 25 }, round))
      expect(accepted).toHaveLength(1000)
      // a get-then-delete redeem let both in (authsocket_channels/tickets.py)
      expect(accepted.filter((n) => n !== 1)).toEqual([])
    }, 180_000)
  }

  it('a room spans the workers: what a member on each sends, every member gets', async () => {
    const token = await jwt()
    const members = await Promise.all(
      cluster.workers.map((w) => greeted(`${w.ws}/ws/group/lobby/?token=${token}`, w.origin)),
    )
    expect(members.map(({ data }) => data.worker)).toEqual(['w1', 'w2', 'w3'])
    const got = members.map(() => [] as string[])
    members.forEach(({ socket }, i) => socket.on('message', (raw) => got[i]!.push(JSON.parse(String(raw)).worker)))
    members.forEach(({ socket }, i) => socket.send(JSON.stringify({ text: `from ${i}` })))
    const end = Date.now() + 5000
    while (got.some((list) => list.length < 3) && Date.now() < end)
      await new Promise((resolve) => setTimeout(resolve, 20))
    for (const { socket } of members) socket.close()
    for (const list of got) expect(list.sort()).toEqual(['w1', 'w2', 'w3'])
  })

  it('HAProxy spreads clients round robin over the workers, with no sticky sessions', async () => {
    const token = await jwt()
    const before = (await cluster.balancer()).sessions
    const clients = await Promise.all(
      Array.from({ length: 9 }, () => greeted(`${cluster.lb.ws}/ws/group/spread/?token=${token}`, cluster.lb.origin)),
    )
    for (const { socket } of clients) socket.close()
    const per = new Map<unknown, number>()
    for (const { data } of clients) per.set(data.worker, (per.get(data.worker) ?? 0) + 1)
    expect([...per.values()]).toEqual([3, 3, 3])
    expect((await cluster.balancer()).sessions - before).toBeGreaterThanOrEqual(9)
  })

  it(
    'a room of 20 clients through HAProxy, each sending 50 numbered messages while a worker is ' +
      'SIGKILLed, another frozen 12 s and Redis restarts: every client gets every message once, ' +
      "in order, the room's log has each once, and no resync",
    async () => {
      const SENDERS = 20
      const COUNT = 50
      await everyWorkerUp()
      const token = await jwt()
      const errors: string[] = []
      const clients = Array.from({ length: SENDERS }, () => {
        const socket = new AuthSocket<{ from: number; n: number }, { from: number; n: number }>(
          `${cluster.lb.ws}/ws/rooms-redis/chaos/`,
          { WebSocket, origin: cluster.lb.origin, credentials: queryToken({ token: () => token }) },
        )
        const got: { from: number; n: number }[] = []
        const closes: number[] = []
        const workers: string[] = []
        socket.on('message', (m) => got.push(m))
        socket.on('resync', () => errors.push('resync'))
        socket.on('close', ({ code }) => closes.push(code))
        socket.on('authenticated', ({ user }) => workers.push((user as { worker: string }).worker))
        return { socket, got, closes, workers }
      })
      const [killed, frozen] = cluster.workers
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
      try {
        await Promise.all(clients.map(({ socket }) => socket.ready))
        await sleep(200) // every session frame is in
        let n = 0
        const sender = setInterval(() => {
          if (++n > COUNT) return clearInterval(sender)
          clients.forEach(({ socket }, from) => socket.send({ from, n }))
        }, 300)
        await sleep(1000)
        await killed!.kill()
        // Frozen: RoomConsumer's heartbeat (5 s + 5 s) finds it, and its members move.
        frozen!.freeze()
        await sleep(800)
        await cluster.redis.restart()
        await killed!.start()
        await sleep(11_000)
        frozen!.thaw()
        await until(
          () => clients.every(({ got }) => got.length >= SENDERS * COUNT),
          30_000,
          'every message at every member',
        )
        await sleep(300) // for a duplicate to show
        const expected = Array.from({ length: COUNT }, (_, i) => i + 1)
        for (const { got } of clients) {
          expect(got).toHaveLength(SENDERS * COUNT)
          for (let from = 0; from < SENDERS; from++)
            expect(got.filter((m) => m.from === from).map((m) => m.n)).toEqual(expected)
        }
        // Client to server: the room's log in Redis has each sender's messages once, in order.
        const log = execFileSync(
          'redis-cli',
          ['-u', cluster.redis.url, '--raw', 'LRANGE', 'authsocket:g:room.chaos:log', '0', '-1'],
          { encoding: 'utf8' },
        )
        const logged = log
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { from: number; n: number })
        for (let from = 0; from < SENDERS; from++)
          expect(logged.filter((m) => m.from === from).map((m) => m.n)).toEqual(expected)
        expect(errors).toEqual([])
        const closes = clients.flatMap((c) => c.closes)
        console.log(
          `a room through a kill, a freeze and a Redis restart: closes seen by the clients ` +
            `${JSON.stringify(Object.fromEntries([...new Set(closes)].map((code) => [code, closes.filter((c) => c === code).length])))}`,
        )
        // the killed worker's clients, and the frozen one's
        expect(closes.filter((code) => code === 1006).length).toBeGreaterThanOrEqual(SENDERS / 3 - 1)
        expect(
          clients.filter(({ workers }) => workers[0] === frozen!.name && workers.length > 1).length,
        ).toBeGreaterThan(0) // the frozen worker's members moved
        // Redis away: the consumers close with a retry hint (1000), not a traceback's 1011 (as before issue 23).
        expect(closes.filter((code) => code === 1011)).toEqual([])
      } finally {
        frozen!.thaw()
        for (const { socket } of clients) socket.close()
      }
    },
    90_000,
  )

  it(
    '20 clients on the delivery consumer (sessions in Redis) sending 60 numbered messages each ' +
      'while a worker is SIGKILLed and Redis restarts: every echo once, in order, and no resync',
    async () => {
      const CLIENTS = 20
      const COUNT = 60
      await everyWorkerUp()
      const token = await jwt()
      const resyncs: number[] = []
      const clients = Array.from({ length: CLIENTS }, (_, index) => {
        const socket = new AuthSocket<{ type: 'echo'; data: { n: number } }, { n: number }>(
          `${cluster.lb.ws}/ws/delivery/`,
          {
            WebSocket,
            origin: cluster.lb.origin,
            credentials: queryToken({ token: () => token }),
          },
        )
        const echoes: number[] = []
        const closes: number[] = []
        socket.on('message', (m) => echoes.push(m.data.n))
        socket.on('resync', () => resyncs.push(index))
        socket.on('close', ({ code }) => closes.push(code))
        return { socket, echoes, closes }
      })
      try {
        await Promise.all(clients.map(({ socket }) => socket.ready))
        let n = 0
        const sender = setInterval(() => {
          if (++n > COUNT) return clearInterval(sender)
          for (const { socket } of clients) socket.send({ n })
        }, 50)
        await new Promise((resolve) => setTimeout(resolve, 800))
        await cluster.workers[0]!.kill()
        await new Promise((resolve) => setTimeout(resolve, 600))
        await cluster.redis.restart()
        await cluster.workers[0]!.start()
        // Seen once in CI (not reproduced in 3 runs here): a client short of its echoes after 30 s. Say which, how
        // far, in what state and after which closes, so the next time shows whether it was lost or late.
        await until(() => clients.every(({ echoes }) => echoes.length >= COUNT), 30_000, 'every echo').catch(
          (error: Error) => {
            const behind = clients
              .map(({ socket, echoes, closes }, index) => ({
                index,
                state: socket.state,
                echoes: echoes.length,
                closes,
              }))
              .filter(({ echoes }) => echoes < COUNT)
            throw new Error(`${error.message}: ${JSON.stringify(behind)}`)
          },
        )
        await new Promise((resolve) => setTimeout(resolve, 300)) // for a duplicate to show
        const expected = Array.from({ length: COUNT }, (_, i) => i + 1)
        for (const { echoes } of clients) expect(echoes).toEqual(expected)
        expect(resyncs).toEqual([])
        const closes = clients.flatMap((c) => c.closes)
        console.log(
          `delivery in Redis: closes seen by the clients ` +
            `${JSON.stringify(Object.fromEntries([...new Set(closes)].map((code) => [code, closes.filter((c) => c === code).length])))}`,
        )
        // the killed worker's clients moved
        expect(closes.filter((code) => code === 1006).length).toBeGreaterThanOrEqual(CLIENTS / 3 - 1)
        expect(closes.filter((code) => code === 1011)).toEqual([])
      } finally {
        for (const { socket } of clients) socket.close()
      }
    },
    90_000,
  )

  it(
    'group streams: a member away 5 s while its room keeps talking comes back through another ' +
      'worker and gets every message once, in order',
    async () => {
      await everyWorkerUp()
      const token = await jwt()
      const open = (at: Endpoint) => {
        const socket = new AuthSocket<{ n: number }, { n: number }>(`${at.ws}/ws/rooms-redis/away/`, {
          WebSocket,
          origin: at.origin,
          credentials: queryToken({ token: () => token }),
          retryDelay: () => 100,
        })
        const got: number[] = []
        const workers: string[] = []
        let resyncs = 0
        socket.on('message', (m) => got.push(m.n))
        socket.on('authenticated', ({ user }) => workers.push((user as { worker: string }).worker))
        socket.on('resync', () => resyncs++)
        return { socket, got, workers, resyncs: () => resyncs }
      }
      const talker = open(cluster.workers[0]!)
      const member = open(cluster.lb)
      try {
        await Promise.all([talker.socket.ready, member.socket.ready])
        await new Promise((resolve) => setTimeout(resolve, 200)) // both session frames are in
        let n = 0
        const say = async (count: number) => {
          for (let i = 0; i < count; i++) await talker.socket.send({ n: ++n }).acked
        }
        await say(10)
        await until(() => member.got.length === 10)
        const away = Date.now()
        // Away: its session stays in Redis. Round robin sends its next socket to the next worker,
        // unless another client's upgrade came in between: then it goes again until it moved.
        while (member.workers.at(-1) === member.workers[0]) {
          member.socket.close()
          while (Date.now() - away < 5000) {
            await say(1)
            await new Promise((resolve) => setTimeout(resolve, 100))
          }
          member.socket.connect()
          await member.socket.ready
        }
        await say(5)
        await until(() => member.got.length >= n, 15_000, 'every message')
        await new Promise((resolve) => setTimeout(resolve, 300)) // for a duplicate to show
        console.log(`group streams: away 5 s, ${n} messages, the member on ${member.workers.join(' then ')}`)
        expect(member.workers.at(-1)).not.toBe(member.workers[0])
        expect(member.got).toEqual(Array.from({ length: n }, (_, i) => i + 1))
        expect(member.resyncs()).toBe(0)
        expect(n).toBeGreaterThan(30)
      } finally {
        talker.socket.close()
        member.socket.close()
      }
    },
    60_000,
  )

  it(
    "a room's log: a client that joins gets only what is sent after it joined, and one whose " +
      'worker dies before its first message gets what it missed',
    async () => {
      const token = await jwt()
      const [w1, , w3] = cluster.workers
      const open = (at: Endpoint) => {
        const socket = new AuthSocket<{ n: number }, { n: number }>(`${at.ws}/ws/rooms-redis/history/`, {
          WebSocket,
          origin: at.origin,
          credentials: queryToken({ token: () => token }),
          retryDelay: () => 100,
        })
        const got: number[] = []
        socket.on('message', (m) => got.push(m.n))
        return { socket, got }
      }
      const a = open(w1!)
      try {
        await a.socket.ready
        await new Promise((resolve) => setTimeout(resolve, 100))
        for (let n = 1; n <= 5; n++) a.socket.send({ n }) // history before b joins
        await until(() => a.got.length === 5)
        const b = open(w3!) // b's only worker: it waits there while w3 is down
        try {
          await b.socket.ready
          await new Promise((resolve) => setTimeout(resolve, 100))
          await w3!.kill()
          for (let n = 6; n <= 10; n++) a.socket.send({ n }) // while b is away, before b got anything
          await until(() => a.got.length === 10)
          await w3!.start()
          await until(() => b.got.length >= 5, 15_000)
          await new Promise((resolve) => setTimeout(resolve, 200))
          // The previous rooms.py: b got 1-10 (offset 0 read as the room's start), or nothing it missed.
          expect(b.got).toEqual([6, 7, 8, 9, 10])
        } finally {
          b.socket.close()
        }
      } finally {
        a.socket.close()
      }
    },
    60_000,
  )
})
