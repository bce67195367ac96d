/**
 * Django Channels past one process (issue 12): three daphne workers on Redis behind HAProxy
 * (cluster.ts). What must hold there: a ticket minted by one worker is redeemed by any, exactly
 * once, even when it is presented to two at the same moment; a room spans the workers; the
 * balancer spreads clients with no sticky sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startCluster, type Cluster, type Endpoint } from './cluster.js'
import { post } from './daphne.js'
import { track } from '../../helpers/tokens.js'

let cluster: Cluster
beforeAll(async () => {
  cluster = await startCluster(3)
}, 90_000)
afterAll(() => cluster?.stop())

const jwt = async (user = 'alice') => track((await post(`${cluster.lb.http}/api/jwt/`, { username: user, password: user })).json.access as string)

async function mint(at: Endpoint, token: string): Promise<string> {
  const response = await fetch(`${at.http}/api/ws-ticket/`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  return track(((await response.json()) as { ticket: string }).ticket)
}

/** Opens a raw socket at `url` and resolves with the server's first frame (the status frame), the socket still open. */
function greeted(url: string, origin: string): Promise<{ socket: WebSocket; status: number; data: Record<string, unknown> }> {
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

describe('Django Channels on Redis, three workers, HAProxy', () => {
  it('a ticket minted through one worker is redeemed through another, once', async () => {
    const [w1, w2, w3] = cluster.workers
    const ticket = await mint(w1!, await jwt())
    const first = await greeted(`${w2!.ws}/ws/ticket/?ticket=${ticket}`, w2!.origin)
    const again = await greeted(`${w3!.ws}/ws/ticket/?ticket=${ticket}`, w3!.origin)
    first.socket.close()
    again.socket.close()
    expect([first.status, again.status]).toEqual([200, 401])
  })

  it('the same ticket presented to two workers at the same moment, 1000 times: exactly one accepted each time', async () => {
    const [w1, w2, w3] = cluster.workers
    const token = await jwt()
    const accepted: number[] = []
    const round = async () => {
      const ticket = await mint(w1!, token)
      const both = await Promise.all([w2!, w3!].map((w) => greeted(`${w.ws}/ws/ticket/?ticket=${ticket}`, w.origin)))
      for (const { socket } of both) socket.close()
      accepted.push(both.filter(({ status }) => status === 200).length)
    }
    for (let done = 0; done < 1000; done += 25) await Promise.all(Array.from({ length: 25 }, round))
    expect(accepted).toHaveLength(1000)
    expect(accepted.filter((n) => n !== 1)).toEqual([]) // a get-then-delete redeem let both in (see tickets.py)
  }, 180_000)

  it('a room spans the workers: what a member on each sends, every member gets', async () => {
    const token = await jwt()
    const members = await Promise.all(cluster.workers.map((w) => greeted(`${w.ws}/ws/group/lobby/?token=${token}`, w.origin)))
    expect(members.map(({ data }) => data.worker)).toEqual(['w1', 'w2', 'w3'])
    const got = members.map(() => [] as string[])
    members.forEach(({ socket }, i) => socket.on('message', (raw) => got[i]!.push(JSON.parse(String(raw)).worker)))
    members.forEach(({ socket }, i) => socket.send(JSON.stringify({ text: `from ${i}` })))
    const end = Date.now() + 5000
    while (got.some((list) => list.length < 3) && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20))
    for (const { socket } of members) socket.close()
    for (const list of got) expect(list.sort()).toEqual(['w1', 'w2', 'w3'])
  })

  it('HAProxy spreads clients round robin over the workers, with no sticky sessions', async () => {
    const token = await jwt()
    const before = (await cluster.balancer()).sessions
    const clients = await Promise.all(Array.from({ length: 9 }, () => greeted(`${cluster.lb.ws}/ws/group/spread/?token=${token}`, cluster.lb.origin)))
    for (const { socket } of clients) socket.close()
    const per = new Map<unknown, number>()
    for (const { data } of clients) per.set(data.worker, (per.get(data.worker) ?? 0) + 1)
    expect([...per.values()]).toEqual([3, 3, 3])
    expect((await cluster.balancer()).sessions - before).toBeGreaterThanOrEqual(9)
  })
})
