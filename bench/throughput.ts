/**
 * Throughput and client CPU per message: raw `ws`, reconnecting-websocket and AuthSocket against
 * the same echo server (another process), small JSON messages, a window of in-flight messages,
 * rounds alternating A B C. Then the same in Chromium: native WebSocket against AuthSocket.
 */
import { readFileSync } from 'node:fs'
import ReconnectingWebSocket from 'reconnecting-websocket'
import WebSocket from 'ws'
import { AuthSocket, queryToken } from '../src/index.js'
import { measure, median, round, startChild } from './lib.js'

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

export const contenders: Contender[] = [
  {
    name: 'ws (raw)',
    connect: (url) =>
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
      }),
  },
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
    name: 'AuthSocket',
    connect: async (url) => {
      const socket = new AuthSocket(`${url}?auth=1`, { WebSocket, credentials: queryToken({ token: 'bench-token' }) })
      await socket.ready
      return { send: (m) => socket.send(m), onMessage: (handler) => void socket.on('message', handler), close: () => socket.close() }
    },
  },
]

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
}

export async function nodeThroughput(total: number, window: number, rounds: number): Promise<ThroughputResult[]> {
  const server = await startChild(process.execPath, ['--import', 'tsx', 'bench/echo-server.ts'])
  const url = `ws://127.0.0.1:${server.port}/`
  const samples = new Map<string, { rate: number[]; cpu: number[] }>(contenders.map((c) => [c.name, { rate: [], cpu: [] }]))
  try {
    for (const contender of contenders) {
      const pipe = await contender.connect(url) // warm-up
      await pump(pipe, 20_000, window)
      pipe.close()
    }
    for (let r = 0; r < rounds; r++) {
      for (const contender of contenders) {
        const pipe = await contender.connect(url)
        const { ms, cpuMs } = await measure(() => pump(pipe, total, window))
        pipe.close()
        samples.get(contender.name)!.rate.push(total / (ms / 1000))
        samples.get(contender.name)!.cpu.push((cpuMs * 1000) / total)
      }
    }
  } finally {
    await server.stop()
  }
  return contenders.map(({ name }) => ({ name, msgsPerSec: round(median(samples.get(name)!.rate), 0), cpuUsPerMsg: round(median(samples.get(name)!.cpu), 3) }))
}

/** The same pump in Chromium: the page's native WebSocket against AuthSocket from the IIFE bundle. */
export async function browserThroughput(total: number, window: number, rounds: number, executablePath: string): Promise<ThroughputResult[]> {
  const { chromium } = await import('@playwright/test')
  const server = await startChild(process.execPath, ['--import', 'tsx', 'bench/echo-server.ts'])
  const browser = await chromium.launch({ executablePath, args: ['--disable-background-networking', '--disable-component-update', '--no-first-run'] })
  try {
    const page = await browser.newPage()
    await page.addScriptTag({ content: readFileSync('dist/authsocket.iife.min.js', 'utf8') })
    const run = (kind: 'native' | 'authsocket', n: number) =>
      page.evaluate(
        async ({ kind, url, n, window }) => {
          const msg = (i: number) => ({ type: 'chat', n: i, text: 'hello, authenticated world' })
          const pipe = await new Promise<{ send(m: unknown): void; on(h: () => void): void; close(): void }>((resolve) => {
            if (kind === 'native') {
              const ws = new WebSocket(url)
              ws.onopen = () =>
                resolve({ send: (m) => ws.send(JSON.stringify(m)), on: (h) => (ws.onmessage = (e) => (JSON.parse(e.data as string), h())), close: () => ws.close() })
            } else {
              const AS = (window as unknown as { AuthSocket: any }).AuthSocket
              const socket = new AS(`${url}?auth=1`, { credentials: AS.queryToken({ token: 'bench-token' }) })
              socket.ready.then(() => resolve({ send: (m) => socket.send(m), on: (h) => socket.on('message', h), close: () => socket.close() }))
            }
          })
          const start = performance.now()
          await new Promise<void>((done) => {
            let sent = 0
            let received = 0
            pipe.on(() => {
              received++
              if (sent < n) pipe.send(msg(sent++))
              else if (received === n) done()
            })
            while (sent < Math.min(window, n)) pipe.send(msg(sent++))
          })
          const ms = performance.now() - start
          pipe.close()
          return ms
        },
        { kind, url: `ws://127.0.0.1:${server.port}/`, n, window },
      )
    await run('native', 20_000)
    await run('authsocket', 20_000)
    const rates = { native: [] as number[], authsocket: [] as number[] }
    for (let r = 0; r < rounds; r++) {
      for (const kind of ['native', 'authsocket'] as const) rates[kind].push(total / ((await run(kind, total)) / 1000))
    }
    return [
      { name: 'WebSocket (Chromium, native)', msgsPerSec: round(median(rates.native), 0), cpuUsPerMsg: NaN },
      { name: 'AuthSocket (Chromium, IIFE)', msgsPerSec: round(median(rates.authsocket), 0), cpuUsPerMsg: NaN },
    ]
  } finally {
    await browser.close()
    await server.stop()
  }
}
