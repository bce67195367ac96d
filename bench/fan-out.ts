/**
 * The cost of group streams (issue 23): one member of a room of 20, spread over three daphne
 * workers behind HAProxy (test/interop/django/cluster.ts), sends 1,000 messages to the room as
 * fast as it can, and every member must get all of them. With delivery (the example's
 * RoomConsumer: each message committed with its seq, appended to the room's log, and copied into
 * every member's own stream in Redis, numbered and acknowledged) against plain Channels
 * `group_send` (GroupConsumer: no log, no numbers, nothing kept for a member who is away), on the
 * same cluster, alternating A B B A; member deliveries per second, medians.
 */
import WebSocket from 'ws'
import { AuthSocket, queryToken } from '../src/index.js'
import { startCluster, type Cluster } from '../test/interop/django/cluster.js'
import { median, round } from './lib.js'

type Kind = 'delivery' | 'plain'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function login(cluster: Cluster): Promise<string> {
  const body = JSON.stringify({ username: 'alice', password: 'alice' })
  const response = await fetch(`${cluster.lb.http}/api/jwt/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
  return ((await response.json()) as { access: string }).access
}

/** One room, one run: member deliveries per second, and whether every member got everything. */
async function oneRun(cluster: Cluster, token: string, kind: Kind, room: string, members: number, messages: number) {
  const path = kind === 'delivery' ? 'rooms-redis' : 'group'
  const clients = Array.from({ length: members }, () => {
    const socket = new AuthSocket<unknown, { n: number }>(`${cluster.lb.ws}/ws/${path}/${room}/`, {
      WebSocket,
      origin: cluster.lb.origin,
      credentials: queryToken({ token: () => token }),
      maxQueueSize: messages * 2,
    })
    const client = { socket, got: 0 }
    socket.on('message', () => {
      client.got++
    })
    return client
  })
  try {
    await Promise.all(clients.map(({ socket }) => socket.ready))
    await sleep(300) // every session frame is in
    const started = performance.now()
    for (let n = 1; n <= messages; n++) clients[0]!.socket.send({ n })
    const deadline = Date.now() + 120_000
    while (clients.some(({ got }) => got < messages) && Date.now() < deadline) await sleep(5)
    const seconds = (performance.now() - started) / 1000
    const delivered = clients.reduce((sum, { got }) => sum + got, 0)
    return { perSecond: delivered / seconds, complete: delivered === members * messages }
  } finally {
    for (const { socket } of clients) socket.close()
  }
}

export async function fanOutCost(rounds = 2, members = 20, messages = 1000) {
  const cluster = await startCluster(3)
  try {
    const token = await login(cluster)
    const rates: Record<Kind, number[]> = { delivery: [], plain: [] }
    let complete = true
    let run = 0
    for (let pass = 0; pass < rounds; pass++) {
      const order: Kind[] = pass % 2 === 0 ? ['plain', 'delivery'] : ['delivery', 'plain']
      for (const kind of order) {
        const result = await oneRun(cluster, token, kind, `fan-${run++}`, members, messages)
        rates[kind].push(result.perSecond)
        complete &&= result.complete
        await sleep(500)
      }
    }
    const plain = median(rates.plain)
    const delivery = median(rates.delivery)
    return {
      members,
      messages,
      rounds,
      plainPerSecond: round(plain, 0),
      deliveryPerSecond: round(delivery, 0),
      ratio: round(delivery / plain, 3),
      complete,
    }
  } finally {
    await cluster.stop()
  }
}
