/**
 * `sharedAcrossTabs` and `shareSocket` where there are no tabs to share with (issue 13): Node 20
 * has BroadcastChannel but no Web Locks, so the wrapper hands the source back and each page
 * single-flights its own asks, and each client opens its own socket, with no error. The sharing
 * itself is tested in Chromium (test/e2e/tabs.spec.ts, test/e2e/shared-socket.spec.ts).
 */
import { describe, expect, it } from 'vitest'
import { sharedAcrossTabs } from '../../src/index.js'
import { openSocket } from '../helpers/fixture.js'
import { startServer, statusFrame } from '../helpers/server.js'

describe('sharedAcrossTabs without Web Locks', () => {
  it('returns the source itself: a function, or a fixed token', () => {
    expect((globalThis as { navigator?: { locks?: unknown } }).navigator?.locks).toBeUndefined()
    const source = async () => 'token'
    expect(sharedAcrossTabs(source)).toBe(source)
    expect(sharedAcrossTabs('fixed')).toBe('fixed')
  })
})

describe('shareSocket without Web Locks', () => {
  it('each page opens its own socket, with no error; a bad name is refused at once', async () => {
    const server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(200)) })
    const errors: string[] = []
    const a = openSocket(server.url, { shareSocket: 'chat' })
    const b = openSocket(server.url, { shareSocket: 'chat' })
    for (const socket of [a, b]) socket.on('error', (e) => errors.push(e.code))
    await Promise.all([a.ready, b.ready])
    expect(server.connections).toHaveLength(2)
    expect(errors).toEqual([])
    for (const name of ['', 42])
      expect(() => openSocket(server.url, { shareSocket: name as string })).toThrow(
        /Option `shareSocket` must be a name/,
      )
  })
})
