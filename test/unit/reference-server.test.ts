/**
 * The reference server's own promises that the browser tests do not see: its logs never hold a
 * credential, it caps frame size, and its Origin check.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startDemoServer, type DemoServer } from '../../demo/server/app.js'
import { AuthSocket, firstMessage, queryToken, subprotocol, ticket } from '../../src/index.js'
import { fastRetry, nextEvent } from '../helpers/events.js'
import { track } from '../helpers/tokens.js'
import { closeAfterTest } from '../helpers/fixture.js'

let server: DemoServer | undefined

async function login(base: string, username = 'alice') {
  const response = await fetch(`${base}/api/login`, {
    method: 'POST',
    body: JSON.stringify({ username, password: username }),
  })
  const body = (await response.json()) as { token: string; refreshToken: string }
  track(body.token)
  track(body.refreshToken)
  return body
}

describe('reference server', () => {
  it("takes its HTTP API with Django's trailing slash too, so the README's paths fit both servers", async () => {
    server = closeAfterTest(await startDemoServer({ port: 0 }))
    const { token } = await login(server.url)
    for (const path of ['/api/ws-ticket', '/api/ws-ticket/']) {
      const response = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      })
      expect({ path, status: response.status }).toEqual({ path, status: 200 })
    }
    expect((await fetch(`${server.url}/api/nothing/`, { method: 'POST' })).status).toBe(404)
  })

  it('logs every connection, refusal and expiry without a single credential in them', async () => {
    const lines: string[] = []
    server = closeAfterTest(await startDemoServer({ port: 0, testMode: true, log: (line) => lines.push(line) }))
    const ws = server.url.replace('http', 'ws')
    const { token, refreshToken } = await login(server.url)
    const opened: AuthSocket[] = []
    for (const credentials of [
      queryToken({ token }),
      subprotocol({ token }),
      firstMessage({ token }),
      ticket({ endpoint: `${server.url}/api/ws-ticket`, token }),
    ]) {
      const socket = closeAfterTest(new AuthSocket(`${ws}/ws/rooms/lobby`, { WebSocket, credentials }))
      opened.push(socket)
      await socket.ready
    }
    const bad = new AuthSocket(`${ws}/ws?token=${track('bad-s3cr3t-token')}`, {
      WebSocket,
      retryDelay: fastRetry,
      maxAuthFailures: 1,
      credentials: queryToken({ token: 'bad-s3cr3t-token' }),
    })
    closeAfterTest(bad)
    await bad.ready.catch(() => undefined)
    await fetch(`${server.url}/test/expire`, { method: 'POST', body: JSON.stringify({ username: 'alice' }) })
    await nextEvent(opened[0]!, 'close')
    expect(lines.some((l) => l.includes('authenticated alice via ticket'))).toBe(true)
    expect(lines.some((l) => l.includes('refused'))).toBe(true)
    const logged = lines.join('\n')
    for (const secret of [token, refreshToken, 'bad-s3cr3t-token']) expect(logged).not.toContain(secret)
  })

  it('caps frames at 64 KiB (close 1009) and the client reconnects', async () => {
    server = closeAfterTest(await startDemoServer({ port: 0, log: () => undefined }))
    const { token } = await login(server.url)
    const socket = new AuthSocket<unknown, { text: string }>(`${server.url.replace('http', 'ws')}/ws`, {
      WebSocket,
      retryDelay: fastRetry,
      credentials: queryToken({ token }),
    })
    closeAfterTest(socket)
    await socket.ready
    socket.send({ text: 'x'.repeat(70 * 1024) })
    expect((await nextEvent(socket, 'close')).code).toBe(1009)
    await nextEvent(socket, 'authenticated')
  })

  it('refuses a foreign Origin with a 403 frame the client can read, and allows its own', async () => {
    server = closeAfterTest(await startDemoServer({ port: 0, log: () => undefined }))
    const { token } = await login(server.url)
    const ws = `${server.url.replace('http', 'ws')}/ws`
    const foreign = new AuthSocket(ws, {
      WebSocket,
      origin: 'https://evil.example',
      credentials: queryToken({ token }),
    })
    closeAfterTest(foreign)
    await expect(foreign.ready).rejects.toMatchObject({
      code: 'FORBIDDEN',
      detail: 'Origin https://evil.example is not allowed',
    })
    const own = new AuthSocket(ws, { WebSocket, origin: server.url, credentials: queryToken({ token }) })
    closeAfterTest(own)
    await own.ready
  })
})
