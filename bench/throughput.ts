/**
 * Throughput and client CPU per message: raw `ws`, reconnecting-websocket and AuthSocket against
 * the same echo server (another process), small JSON messages, a window of in-flight messages,
 * rounds alternating A B C. Then the same in Chromium: native WebSocket against AuthSocket.
 */
import { readFileSync } from 'node:fs'
import ReconnectingWebSocket from 'reconnecting-websocket'
import WebSocket from 'ws'
import { AuthSocket, BaseAuthSocket, queryToken } from '../src/index.js'
import { launchChromium, measure, median, round, startChild } from './lib.js'

interface Pipe {
  send(message: unknown): void
  onMessage(handler: () => void): void
  close(): void
}

interface Contender {
  name: string
  connect(url: string): Promise<Pipe>
}

const message = (n: number) => ({ type: 'chat', n, text: 'hello, authenticated world' })

const rawConnect = (url: string): Promise<Pipe> =>
  new Promise((resolve) => {
    const ws = new WebSocket(url) // ws's defaults, as AuthSocket gets them
    ws.on('open', () =>
      resolve({
        send: (m) => ws.send(JSON.stringify(m)),
        onMessage: (handler) =>
          ws.on('message', (data) => {
            JSON.parse(data.toString())
            handler()
          }),
        close: () => ws.close(),
      }),
    )
  })

export const contenders: Contender[] = [
  { name: 'ws (raw)', connect: rawConnect },
  // The same client again: its ratio to the first is the noise floor of this machine.
  { name: 'ws (raw, again: noise control)', connect: rawConnect },
  {
    name: 'reconnecting-websocket',
    connect: (url) =>
      new Promise((resolve) => {
        const rws = new ReconnectingWebSocket(url, [], { WebSocket, minReconnectionDelay: 0 })
        rws.addEventListener('open', () =>
          resolve({
            send: (m) => rws.send(JSON.stringify(m)),
            onMessage: (handler) =>
              rws.addEventListener('message', (event) => {
                JSON.parse(event.data as string)
                handler()
              }),
            close: () => rws.close(),
          }),
        )
      }),
  },
  {
    // The base client: no feature installed.
    name: 'BaseAuthSocket',
    connect: async (url) => {
      const socket = new BaseAuthSocket(`${url}?auth=1`, {
        WebSocket,
        credentials: queryToken({ token: 'bench-token' }),
      })
      await socket.ready
      return {
        send: (m) => socket.send(m),
        onMessage: (handler) => void socket.on('message', handler),
        close: () => socket.close(),
      }
    },
  },
  {
    name: 'AuthSocket',
    connect: async (url) => {
      const socket = new AuthSocket(`${url}?auth=1`, { WebSocket, credentials: queryToken({ token: 'bench-token' }) })
      await socket.ready
      return {
        send: (m) => socket.send(m),
        onMessage: (handler) => void socket.on('message', handler),
        close: () => socket.close(),
      }
    },
  },
  {
    // Every message numbered, kept until the server's (cumulative) ack; the heartbeat armed.
    name: 'AuthSocket (acks + heartbeat)',
    connect: async (url) => {
      // The outbox holds every unacknowledged message: 1,000 in flight plus those whose ack is on its way exceed the
      // default bound of 1,000.
      const socket = new AuthSocket(`${url}?auth=ack`, {
        WebSocket,
        maxQueueSize: 10_000,
        credentials: queryToken({ token: 'bench-token' }),
      })
      await socket.ready
      return {
        send: (m) => void socket.send(m),
        onMessage: (handler) => void socket.on('message', handler),
        close: () => socket.close(),
      }
    },
  },
]

/** Payload bytes per message each way (WebSocket framing not counted), through a `ws` that counts. */
export async function bytesPerMessage(total: number): Promise<{ name: string; up: number; down: number }[]> {
  const server = await startChild(process.execPath, ['--import', 'tsx', 'bench/echo-server.ts'])
  const counted = { up: 0, down: 0 }
  class CountingWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args)
      this.on('message', (data: Buffer) => (counted.down += data.length))
    }
    override send(data: any, ...rest: any[]): void {
      counted.up += Buffer.byteLength(data as string)
      ;(super.send as (...a: unknown[]) => void)(data, ...rest)
    }
  }
  const rows = []
  try {
    for (const [name, query] of [
      ['AuthSocket', 'auth=1'],
      ['AuthSocket (acks + heartbeat)', 'auth=ack'],
    ] as const) {
      const socket = new AuthSocket(`ws://127.0.0.1:${server.port}/?${query}`, {
        WebSocket: CountingWebSocket as unknown as typeof WebSocket,
        maxQueueSize: 10_000,
        credentials: queryToken({ token: 'bench-token' }),
      })
      await socket.ready
      Object.assign(counted, { up: 0, down: 0 })
      await pump(
        {
          send: (m) => void socket.send(m),
          onMessage: (handler) => void socket.on('message', handler),
          close: () => socket.close(),
        },
        total,
        1000,
      )
      await new Promise((resolve) => setTimeout(resolve, 50)) // the last ack
      socket.close()
      rows.push({ name, up: round(counted.up / total, 1), down: round(counted.down / total, 1) })
    }
  } finally {
    await server.stop()
  }
  return rows
}

/** Sends `total` messages keeping `window` in flight; resolves when every echo is back. */
function pump(pipe: Pipe, total: number, window: number): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0
    let received = 0
    pipe.onMessage(() => {
      received++
      if (sent < total) pipe.send(message(sent++))
      else if (received === total) resolve()
    })
    while (sent < Math.min(window, total)) pipe.send(message(sent++))
  })
}

export interface ThroughputResult {
  name: string
  msgsPerSec: number
  cpuUsPerMsg: number
  /** Median over rounds of this round's rate (or CPU) divided by the baseline's in the same round. */
  rateRatio: number
  cpuRatio: number
}

/** Per-round ratios to the first contender: neighbours in time share the machine's mood. */
export function summarise(names: string[], rate: number[][], cpu: number[][]): ThroughputResult[] {
  return names.map((name, i) => ({
    name,
    msgsPerSec: round(median(rate[i]!), 0),
    cpuUsPerMsg: round(median(cpu[i]!), 3),
    rateRatio: round(median(rate[i]!.map((r, k) => r / rate[0]![k]!)), 3),
    cpuRatio: round(median(cpu[i]!.map((c, k) => c / cpu[0]![k]!)), 3),
  }))
}

export async function nodeThroughput(total: number, window: number, rounds: number): Promise<ThroughputResult[]> {
  const server = await startChild(process.execPath, ['--import', 'tsx', 'bench/echo-server.ts'])
  const url = `ws://127.0.0.1:${server.port}/`
  const rate: number[][] = contenders.map(() => [])
  const cpu: number[][] = contenders.map(() => [])
  try {
    for (const contender of contenders) {
      const pipe = await contender.connect(url) // warm-up
      await pump(pipe, 20_000, window)
      pipe.close()
    }
    for (let r = 0; r < rounds; r++) {
      // A B C, then C B A: no contender always runs first.
      const order = contenders.map((_, i) => i)
      if (r % 2) order.reverse()
      for (const i of order) {
        const pipe = await contenders[i]!.connect(url)
        const { ms, cpuMs } = await measure(() => pump(pipe, total, window))
        pipe.close()
        rate[i]!.push(total / (ms / 1000))
        cpu[i]!.push((cpuMs * 1000) / total)
      }
    }
  } finally {
    await server.stop()
  }
  return summarise(
    contenders.map((c) => c.name),
    rate,
    cpu,
  )
}

/** The same pump in Chromium: the page's native WebSocket against AuthSocket from the IIFE bundle. */
export async function browserThroughput(
  total: number,
  window: number,
  rounds: number,
  executablePath: string,
): Promise<ThroughputResult[]> {
  const server = await startChild(process.execPath, ['--import', 'tsx', 'bench/echo-server.ts'])
  const browser = await launchChromium(executablePath)
  try {
    const page = await browser.newPage()
    await page.addScriptTag({ content: readFileSync('dist/authsocket.iife.min.js', 'utf8') })
    // A string, not a function: tsx would inject helpers (__name) the page does not have.
    const run = (kind: 'native' | 'authsocket', n: number): Promise<number> =>
      page.evaluate(`(async () => {
        const kind = ${JSON.stringify(kind)}, url = 'ws://127.0.0.1:${server.port}/', n = ${n}, inFlight = ${window}
        const msg = (i) => ({ type: 'chat', n: i, text: 'hello, authenticated world' })
        const pipe = await new Promise((resolve) => {
          if (kind === 'native') {
            const ws = new WebSocket(url)
            ws.onopen = () => resolve({ send: (m) => ws.send(JSON.stringify(m)), on: (h) => (ws.onmessage = (e) => (JSON.parse(e.data), h())), close: () => ws.close() })
          } else {
            const socket = new AuthSocket(url + '?auth=1', { credentials: AuthSocket.queryToken({ token: 'bench-token' }) })
            socket.ready.then(() => resolve({ send: (m) => socket.send(m), on: (h) => socket.on('message', h), close: () => socket.close() }))
          }
        })
        const start = performance.now()
        await new Promise((done) => {
          let sent = 0, received = 0
          pipe.on(() => {
            received++
            if (sent < n) pipe.send(msg(sent++))
            else if (received === n) done()
          })
          while (sent < Math.min(inFlight, n)) pipe.send(msg(sent++))
        })
        const ms = performance.now() - start
        pipe.close()
        return ms
      })()`)
    await run('native', 20_000)
    await run('authsocket', 20_000)
    // Native twice: the second native row is the noise floor, as in the Node table.
    const kinds = ['native', 'native', 'authsocket'] as const
    const rates: number[][] = [[], [], []]
    for (let r = 0; r < rounds; r++) {
      for (const i of r % 2 ? [2, 1, 0] : [0, 1, 2]) rates[i]!.push(total / ((await run(kinds[i]!, total)) / 1000))
    }
    const nan = rates.map((list) => list.map(() => NaN))
    return summarise(
      [
        'WebSocket (Chromium, native)',
        'WebSocket (Chromium, native, again: noise control)',
        'AuthSocket (Chromium, IIFE)',
      ],
      rates,
      nan,
    )
  } finally {
    await browser.close()
    await server.stop()
  }
}
