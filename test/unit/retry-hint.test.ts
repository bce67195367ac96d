/**
 * The server says when to come back (PROTOCOL.md section 7, "Retry hints"): in a frame or a close
 * reason; the next attempt waits that long instead of the client's own backoff, at most
 * MAX_RETRY_HINT, and a hint that is not two non-negative numbers is ignored.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { hintedDelay, MAX_RETRY_HINT, readRetryHint, retryHintOfClose } from '../../src/retry-hint.js'
import { nextEvent, until } from '../helpers/events.js'
import { startServer, statusFrame, type TestServer } from '../helpers/server.js'
import { openSocket } from '../helpers/fixture.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** A server that, on its first connection, authenticates, then says `hint` (a frame, or a close reason) and closes. */
async function serverThatSays(hint: { frame?: unknown; reason?: string }) {
  const opened: number[] = []
  let closedAt = 0
  server = await startServer({
    onConnection: (conn) => {
      opened.push(Date.now())
      conn.socket.send(statusFrame(200))
      if (opened.length > 1) return
      setTimeout(() => {
        if (hint.frame !== undefined) conn.socket.send(JSON.stringify(hint.frame))
        closedAt = Date.now()
        conn.socket.close(1012, hint.reason ?? '')
      }, 20)
    },
  })
  return { opened, closed: () => closedAt }
}

describe('retry hints', () => {
  for (const [how, hint] of [
    ['a retry frame', { frame: { action: 'retry', after: 400, jitter: 0 } }],
    ['a close reason', { reason: JSON.stringify({ retry: { after: 400, jitter: 0 } }) }],
  ] as const) {
    it(`${how}: the next attempt comes after the hint, not after the client's own backoff`, async () => {
      const { opened, closed } = await serverThatSays(hint)
      const lines: string[] = []
      const socket = openSocket(server!.url, { retryDelay: () => 20_000, debug: (line) => lines.push(line) })
      await socket.ready
      await until(() => opened.length === 2, 5000, 'the second attempt')
      const waited = opened[1]! - closed()
      expect(waited).toBeGreaterThanOrEqual(390)
      expect(waited).toBeLessThan(2000)
      expect(lines).toContain("[authsocket] retry 1 in 400 ms (the server's hint)")
    })
  }

  it('an hour is bounded to MAX_RETRY_HINT', async () => {
    await serverThatSays({ frame: { action: 'retry', after: 3_600_000, jitter: 3_600_000 } })
    const lines: string[] = []
    const socket = openSocket(server!.url, { debug: (line) => lines.push(line) })
    await socket.ready
    await nextEvent(socket, 'state', ({ state }) => state === 'reconnecting')
    await until(() => lines.some((line) => line.startsWith('[authsocket] retry 1 in')))
    expect(lines).toContain(`[authsocket] retry 1 in ${MAX_RETRY_HINT} ms (the server's hint)`)
  })

  for (const [what, frame] of [
    ['a negative hint', { action: 'retry', after: -5000 }],
    ['a string', { action: 'retry', after: '5000' }],
    ['no numbers at all', { action: 'retry' }],
    ['NaN jitter', { action: 'retry', after: 10, jitter: null }],
  ] as const) {
    it(`${what} is ignored: the client's own backoff decides, and the frame never reaches the application`, async () => {
      const { opened } = await serverThatSays({ frame })
      const lines: string[] = []
      const messages: unknown[] = []
      const socket = openSocket(server!.url, { retryDelay: () => 30, debug: (line) => lines.push(line) })
      socket.on('message', (m) => messages.push(m))
      await socket.ready
      await until(() => opened.length === 2, 5000, 'the second attempt')
      expect(lines).toContain('[authsocket] ignored a bad retry hint')
      expect(lines.some((line) => line.includes("the server's hint"))).toBe(false)
      expect(messages).toEqual([])
    })
  }

  it('reads hints and spreads them: after plus a uniform part of jitter', () => {
    expect(readRetryHint({ after: 5000, jitter: 5000 })).toEqual({ after: 5000, jitter: 5000 })
    expect(readRetryHint({ after: 5000 })).toEqual({ after: 5000, jitter: 0 })
    expect([readRetryHint({ after: Infinity }), readRetryHint(null), readRetryHint({ after: 1, jitter: -1 })]).toEqual([
      undefined,
      undefined,
      undefined,
    ])
    expect([retryHintOfClose('bye'), retryHintOfClose('{not json'), retryHintOfClose('{"retry":{"after":7}}')]).toEqual(
      [undefined, undefined, { after: 7, jitter: 0 }],
    )
    expect([0, 0.5, 0.999].map((r) => hintedDelay({ after: 5000, jitter: 5000 }, () => r))).toEqual([5000, 7500, 9995])
    expect(hintedDelay({ after: 59_000, jitter: 10_000 }, () => 1)).toBe(MAX_RETRY_HINT)
  })
})
