/**
 * Connect latency. Time to open: raw `ws` against AuthSocket (its `open` event), alternating,
 * against the echo server. Time to authenticated: AuthSocket with each provider against the
 * reference server (demo/server), credentials fetched beforehand so the login is not timed.
 */
import WebSocket from 'ws'
import {
  AuthSocket,
  cookie,
  firstMessage,
  header,
  queryToken,
  subprotocol,
  ticket,
  type CredentialProvider,
} from '../src/index.js'
import { median, round, startChild } from './lib.js'

function rawOpen(url: string): Promise<number> {
  return new Promise((resolve) => {
    const start = performance.now()
    const ws = new WebSocket(url) // ws's defaults, as AuthSocket gets them
    ws.on('open', () => {
      resolve(performance.now() - start)
      ws.close()
    })
  })
}

function authSocketUntil(
  url: string,
  event: 'open' | 'authenticated',
  credentials: CredentialProvider,
  origin?: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const socket = new AuthSocket(url, { WebSocket, credentials, origin })
    socket.on(event, () => {
      resolve(performance.now() - start)
      socket.close()
    })
    socket.on('error', (error) => reject(error))
  })
}

export interface OpenResult {
  rawMs: number
  authSocketMs: number
}

export async function openLatency(connects: number): Promise<OpenResult> {
  const server = await startChild(process.execPath, ['--import', 'tsx', 'bench/echo-server.ts'])
  const url = `ws://127.0.0.1:${server.port}/`
  const credentials = queryToken({ token: 'bench-token' })
  const raw: number[] = []
  const auth: number[] = []
  try {
    for (let i = 0; i < 20; i++) {
      await rawOpen(url)
      await authSocketUntil(url, 'open', credentials)
    }
    for (let i = 0; i < connects; i++) {
      raw.push(await rawOpen(url))
      auth.push(await authSocketUntil(url, 'open', credentials))
    }
  } finally {
    await server.stop()
  }
  return { rawMs: round(median(raw), 3), authSocketMs: round(median(auth), 3) }
}

export interface AuthLatency {
  provider: string
  ms: number
  roundTrips: string
}

export async function authLatency(connects: number): Promise<AuthLatency[]> {
  const server = await startChild(process.execPath, ['--import', 'tsx', 'demo/server/index.ts'], {
    PORT: '0',
    TOKEN_TTL: '3600',
  })
  const http = `http://127.0.0.1:${server.port}`
  const ws = `ws://127.0.0.1:${server.port}/ws`
  try {
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${http}${path}`, { method: 'POST', body: JSON.stringify(body) })
      return {
        json: (await response.json()) as { token: string },
        cookie: response.headers.get('set-cookie')?.split(';')[0] ?? '',
      }
    }
    const { token } = (await post('/api/login', { username: 'alice', password: 'alice' })).json
    const session = (await post('/api/session', { username: 'alice', password: 'alice' })).cookie
    const cases: [string, CredentialProvider, string, string?][] = [
      ['query', queryToken({ token }), 'TCP + upgrade; the status frame rides on the open'],
      ['subprotocol', subprotocol({ token }), 'TCP + upgrade'],
      ['header (Node)', header({ token }), 'TCP + upgrade'],
      ['cookie', cookie({ cookie: session }), 'TCP + upgrade', http],
      ['firstMessage', firstMessage({ token }), 'TCP + upgrade + 1 (auth frame, then verdict)'],
      ['ticket', ticket({ endpoint: `${http}/api/ws-ticket`, token }), '1 HTTP (ticket) + TCP + upgrade'],
    ]
    const results: AuthLatency[] = []
    for (const [provider, credentials, roundTrips, origin] of cases) {
      for (let i = 0; i < 10; i++) await authSocketUntil(ws, 'authenticated', credentials, origin)
      const samples: number[] = []
      for (let i = 0; i < connects; i++) samples.push(await authSocketUntil(ws, 'authenticated', credentials, origin))
      results.push({ provider, ms: round(median(samples), 3), roundTrips })
    }
    return results
  } finally {
    await server.stop()
  }
}
