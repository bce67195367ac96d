/** A real `ws` server on 127.0.0.1, port 0, scripted per test. Also serves HTTP (ticket endpoints). */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { closeAfterTest } from './fixture.js'

export interface Connection {
  socket: WebSocket
  request: IncomingMessage
  url: URL
  /** Frames received from the client, as text. */
  received: string[]
  /** Resolves with the next frame from the client. */
  next(): Promise<string>
}

export interface TestServer {
  url: string
  http: string
  connections: Connection[]
  /** Resolves when the n-th connection (1-based) has arrived. */
  connection(n: number): Promise<Connection>
  close(): Promise<void>
}

export interface ServerScript {
  onConnection?: (conn: Connection) => void
  onHttp?: (req: IncomingMessage, res: ServerResponse) => void
  handleProtocols?: (protocols: Set<string>) => string | false
  /** Return an HTTP status to refuse the upgrade (the browser then sees close 1006). */
  refuseUpgrade?: (req: IncomingMessage) => number | undefined
  /** Counts every upgrade request, refused or not. */
  onUpgrade?: (req: IncomingMessage) => void
}

export async function startServer(script: ServerScript = {}): Promise<TestServer> {
  const http = createServer((req, res) => {
    if (script.onHttp) script.onHttp(req, res)
    else res.writeHead(404).end()
  })
  const wss = new WebSocketServer({
    server: http,
    handleProtocols: script.handleProtocols,
    verifyClient: (info, done) => {
      script.onUpgrade?.(info.req)
      const status = script.refuseUpgrade?.(info.req)
      if (status) done(false, status)
      else done(true)
    },
  })
  const connections: Connection[] = []
  const waiters: (() => void)[] = []
  wss.on('connection', (socket, request) => {
    const received: string[] = []
    const pending: ((frame: string) => void)[] = []
    const backlog: string[] = []
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? `<binary ${(data as Buffer).length}>` : data.toString()
      received.push(text)
      const waiter = pending.shift()
      if (waiter) waiter(text)
      else backlog.push(text)
    })
    const conn: Connection = {
      socket,
      request,
      url: new URL(request.url ?? '/', 'http://127.0.0.1'),
      received,
      next: () => {
        const ready = backlog.shift()
        return ready !== undefined ? Promise.resolve(ready) : new Promise((resolve) => pending.push(resolve))
      },
    }
    connections.push(conn)
    script.onConnection?.(conn)
    for (const wake of waiters.splice(0)) wake()
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return closeAfterTest({
    url: `ws://127.0.0.1:${port}/ws/`,
    http: `http://127.0.0.1:${port}`,
    connections,
    async connection(n) {
      while (connections.length < n) await new Promise<void>((resolve) => waiters.push(resolve))
      return connections[n - 1]!
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close()
        http.close(() => resolve())
        http.closeAllConnections()
      }),
  })
}

/** A Chanx status frame. */
export function statusFrame(status: number, data: Record<string, unknown> = {}, camel = false): string {
  const text = status === 200 ? 'OK' : status === 401 ? 'Unauthorized' : 'Forbidden'
  const payload = camel
    ? { statusCode: status, statusText: text, data }
    : { status_code: status, status_text: text, data }
  return JSON.stringify({ action: 'authentication', payload })
}
