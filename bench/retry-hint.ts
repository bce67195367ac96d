/**
 * Retry hints (PROTOCOL.md section 7): 1000 authenticated Node clients on one `ws` server, which
 * drops them all (close 1012) after telling them, or not, when to come back. Measures when their
 * next attempts reach the server: the window they spread over and the peak attempts per second
 * (and per 100 ms), with the hint "come back in 2.5 s plus up to 5 s" against the default backoff
 * (full jitter, first retry within 1 s), in the same run.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import WebSocket, { WebSocketServer } from 'ws'
import { AuthSocket, queryToken } from '../src/index.js'
import { round } from './lib.js'

export interface HintRun {
  policy: string
  clients: number
  /** From the drop to the first and to the last next attempt, ms. */
  firstMs: number
  lastMs: number
  peakPerSecond: number
  peakPer100Ms: number
}

const STATUS = JSON.stringify({
  action: 'authentication',
  payload: { status_code: 200, status_text: 'OK', data: { detail: 'OK' } },
})

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const peak = (times: number[], bucket: number) => {
  const counts = new Map<number, number>()
  for (const time of times) counts.set(Math.floor(time / bucket), (counts.get(Math.floor(time / bucket)) ?? 0) + 1)
  return Math.max(...counts.values())
}

/** One run: `hint` is the retry frame the server sends before the drop, or `undefined` for none. */
async function run(
  policy: string,
  clients: number,
  hint: { after: number; jitter: number } | undefined,
): Promise<HintRun> {
  const http = createServer()
  const wss = new WebSocketServer({ server: http })
  const sockets = new Set<WebSocket>()
  const attempts: number[] = []
  let dropAt = 0
  wss.on('connection', (socket) => {
    if (dropAt) attempts.push(performance.now() - dropAt)
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.send(STATUS)
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  const clientsList: AuthSocket[] = []
  let authenticated = 0
  try {
    for (let i = 0; i < clients; i++) {
      const socket = new AuthSocket(`ws://127.0.0.1:${port}/ws`, {
        WebSocket,
        credentials: queryToken({ token: 'bench' }),
      })
      socket.on('authenticated', () => authenticated++)
      clientsList.push(socket)
    }
    await until(() => authenticated === clients, 60_000, 'every client authenticated')
    dropAt = performance.now()
    for (const socket of sockets) {
      if (hint) socket.send(JSON.stringify({ action: 'retry', ...hint }))
      socket.close(1012, 'restarting')
    }
    await until(() => attempts.length >= clients, 60_000, 'every client back')
    const sorted = [...attempts].sort((a, b) => a - b)
    return {
      policy,
      clients,
      firstMs: round(sorted[0]!, 0),
      lastMs: round(sorted.at(-1)!, 0),
      peakPerSecond: peak(sorted, 1000),
      peakPer100Ms: peak(sorted, 100),
    }
  } finally {
    for (const socket of clientsList) socket.close()
    for (const socket of sockets) socket.terminate()
    await new Promise((resolve) => wss.close(resolve))
    await new Promise((resolve) => http.close(resolve))
  }
}

export async function retryHintSpread(clients = 1000): Promise<HintRun[]> {
  const plain = await run('default backoff (full jitter, 1 s)', clients, undefined)
  const hinted = await run("the server's hint: 2.5 s + up to 5 s", clients, { after: 2500, jitter: 5000 })
  return [plain, hinted]
}

if (process.argv[1]?.endsWith('retry-hint.ts')) {
  console.table(await retryHintSpread(Number(process.argv[2] ?? 1000)))
}
