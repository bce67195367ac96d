import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AuthSocket, queryToken, type ConnectionState } from '../../src/index.js'
import { startServer, statusFrame, type TestServer } from '../helpers/server.js'
import { opaqueToken } from '../helpers/tokens.js'
import { closeAfterTest } from '../helpers/fixture.js'

let server: TestServer | undefined

describe('connect', () => {
  it('authenticates with a query token and echoes', async () => {
    const token = opaqueToken()
    server = await startServer({
      onConnection(conn) {
        if (conn.url.searchParams.get('token') !== token) return conn.socket.close(4001)
        conn.socket.send(statusFrame(200, { user: { name: 'alice' } }))
        conn.socket.on('message', (data) => conn.socket.send(data.toString()))
      },
    })
    const socket = new AuthSocket<{ text: string }, { text: string }>(server.url, {
      credentials: queryToken({ token }),
      WebSocket,
    })
    closeAfterTest(socket)
    const states: ConnectionState[] = []
    socket.on('state', ({ state }) => states.push(state))
    const echoed = new Promise((resolve) => socket.on('message', resolve))
    socket.send({ text: 'hi' })
    await socket.ready
    expect(await echoed).toEqual({ text: 'hi' })
    expect(states).toEqual(['authenticating', 'open'])
    expect(socket.state).toBe('open')
  })
})
