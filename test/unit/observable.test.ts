import { firstValueFrom, from, lastValueFrom, take, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AuthSocket, queryToken } from '../../src/index.js'
import { fastRetry } from '../helpers/events.js'
import { startServer, statusFrame, type TestServer } from '../helpers/server.js'
import { opaqueToken } from '../helpers/tokens.js'

let server: TestServer | undefined

function chattyServer(code = 200) {
  return startServer({
    onConnection(conn) {
      conn.socket.send(statusFrame(code))
      if (code === 200) for (let n = 1; n <= 3; n++) conn.socket.send(JSON.stringify({ n }))
    },
  })
}

describe('Observable interop (RxJS from())', () => {
  it('from(socket) emits the messages, never a status frame', async () => {
    server = await chattyServer()
    const socket = new AuthSocket<{ n: number }, never>(server.url, {
      WebSocket,
      retryDelay: fastRetry,
      credentials: queryToken({ token: () => opaqueToken() }),
    })
    const three = await lastValueFrom(from(socket).pipe(take(3), toArray()))
    expect(three).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }])
    socket.close()
  })

  it('completes on close() and errors with the reason on failed', async () => {
    server = await chattyServer(403)
    const failing = new AuthSocket(server.url, {
      WebSocket,
      retryDelay: fastRetry,
      credentials: queryToken({ token: () => opaqueToken() }),
    })
    await expect(firstValueFrom(from(failing.messages()))).rejects.toMatchObject({ code: 'FORBIDDEN' })
    const closing = new AuthSocket(server.url, {
      WebSocket,
      autoConnect: false,
      credentials: queryToken({ token: () => opaqueToken() }),
    })
    const done = lastValueFrom(from(closing).pipe(toArray()))
    closing.close()
    expect(await done).toEqual([])
  })

  it('unsubscribe removes the listeners; a plain function observer works', async () => {
    server = await chattyServer()
    const socket = new AuthSocket<{ n: number }, never>(server.url, {
      WebSocket,
      credentials: queryToken({ token: () => opaqueToken() }),
    })
    const seen: number[] = []
    const subscription = socket.messages().subscribe((m) => {
      seen.push(m.n)
      if (m.n === 2) subscription.unsubscribe()
    })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(seen).toEqual([1, 2])
    socket.close()
  })
})
