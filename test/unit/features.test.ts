/**
 * The base client and its features (issue 24): a BaseAuthSocket has only the features it is
 * given. Without Delivery it writes plain messages and reads the server's frames as messages; with
 * it, the same server gets a session and numbered messages. An option of a feature not given is an
 * error that names what to import; AuthSocket has every feature.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  AuthSocket,
  AuthSocketError,
  BaseAuthSocket,
  Delivery,
  Heartbeat,
  PageLifecycle,
  PersistentOutbox,
  SharedSocket,
  messages,
  queryToken,
  statusStore,
  type BaseAuthSocketOptions,
} from '../../src/index.js'
import { fastRetry, until } from '../helpers/events.js'
import { closeAfterTest } from '../helpers/fixture.js'
import { startServer, statusFrame } from '../helpers/server.js'
import { opaqueToken } from '../helpers/tokens.js'

const base = (url: string, options: Partial<BaseAuthSocketOptions> = {}) =>
  closeAfterTest(
    new BaseAuthSocket<unknown, unknown>(url, {
      WebSocket,
      retryDelay: fastRetry,
      credentials: queryToken({ token: () => opaqueToken() }),
      ...options,
    }),
  )

/** A server that announces every extension and sends one numbered message after the session frame. */
const announcing = () =>
  startServer({
    onConnection(conn) {
      conn.socket.send(statusFrame(200, { ack: true, resume: { epoch: 'e1' } }))
      conn.socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { action?: string; seq?: number }
        if (frame.action === 'session') conn.socket.send('{"action":"message","epoch":"e1","offset":1,"data":{"n":1}}')
        if (frame.action === 'message') conn.socket.send(`{"action":"ack","seq":${frame.seq}}`)
      })
    },
  })

describe('features', () => {
  it.each([
    ['heartbeat', true, 'Heartbeat'],
    ['acks', true, 'Delivery'],
    ['resume', false, 'Delivery'],
    ['bfcache', false, 'PageLifecycle'],
    ['shareSocket', 'app', 'SharedSocket'],
    ['persist', 'app', 'PersistentOutbox'],
  ])('option `%s` without its feature: INVALID_OPTIONS that says to import %s', (name, value, feature) => {
    const make = () => base('ws://127.0.0.1:1/', { autoConnect: false, [name]: value })
    expect(make).toThrow(AuthSocketError)
    expect(make).toThrow(new RegExp(`Option \`${name}\` belongs to the ${feature} feature.*import \\{ ${feature} \\}`))
  })

  it('an opt-in feature (PersistentOutbox): AuthSocket has it only when given in `features`', () => {
    const url = 'ws://127.0.0.1:1/'
    const credentials = queryToken({ token: () => opaqueToken() })
    const without = () => new AuthSocket(url, { WebSocket, credentials, autoConnect: false, persist: 'app' })
    expect(without).toThrow(
      /Option `persist` belongs to the PersistentOutbox feature.*add it to `features` \(AuthSocket too/,
    )
    const given = { WebSocket, credentials, autoConnect: false, persist: 'app', features: [PersistentOutbox] }
    closeAfterTest(new AuthSocket(url, given)).close()
  })

  it('the same option with its feature given, or on AuthSocket, is taken; left undefined, it needs no feature', () => {
    const url = 'ws://127.0.0.1:1/'
    const credentials = queryToken({ token: () => opaqueToken() })
    base(url, { autoConnect: false, heartbeat: true, features: [Heartbeat] }).close()
    base(url, { autoConnect: false, heartbeat: undefined }).close()
    closeAfterTest(new AuthSocket(url, { WebSocket, credentials, autoConnect: false, heartbeat: true })).close()
  })

  it('`features` that is not an array of features: INVALID_OPTIONS', () => {
    expect(() => base('ws://127.0.0.1:1/', { features: [{} as never] })).toThrow(/Option `features` must be an array/)
    expect(() => base('ws://127.0.0.1:1/', { features: 'all' as never })).toThrow(/Option `features` must be an array/)
  })

  it('without Delivery: plain messages on the wire, no session frame; the server frames reach the application', async () => {
    const server = await announcing()
    const socket = base(server.url)
    const messages: unknown[] = []
    socket.on('message', (message) => messages.push(message))
    socket.send({ hello: 1 })
    await socket.ready
    const conn = await server.connection(1)
    await until(() => conn.received.length === 1)
    expect(conn.received).toEqual(['{"hello":1}'])
    conn.socket.send('{"action":"ack","seq":1}')
    await until(() => messages.length === 1)
    expect(messages).toEqual([{ action: 'ack', seq: 1 }])
  })

  it(
    'with Delivery only: the same server gets the session frame and numbered messages, and its ' +
      'numbered message is unwrapped',
    async () => {
      const server = await announcing()
      const socket = base(server.url, { features: [Delivery] })
      const messages: unknown[] = []
      socket.on('message', (message) => messages.push(message))
      const receipt = socket.send({ hello: 1 })
      await receipt.acked
      const conn = await server.connection(1)
      expect(conn.received[0]).toMatch(/^\{"action":"session","id":"\w{16}","resume":true,"epoch":"e1","offset":0\}$/)
      expect(conn.received[1]).toBe('{"action":"message","seq":1,"data":{"hello":1}}')
      await until(() => messages.length === 1)
      expect(messages).toEqual([{ n: 1 }])
    },
  )

  it('AuthSocket has every feature: it takes every feature option, and on the wire it does what BaseAuthSocket given all four does', async () => {
    const credentials = () => queryToken({ token: () => opaqueToken() })
    const everyOption = { heartbeat: { interval: 60_000 }, acks: true, resume: true, bfcache: true, shareSocket: 'app' }
    const server = await announcing()
    const full = closeAfterTest(new AuthSocket(server.url, { WebSocket, credentials: credentials(), ...everyOption }))
    const given = base(server.url, { features: [Heartbeat, Delivery, PageLifecycle, SharedSocket], ...everyOption })
    expect(full).toBeInstanceOf(BaseAuthSocket)
    await Promise.all([full.send({ hello: 1 }).acked, given.send({ hello: 1 }).acked])
    const wire = async (n: number) => (await server.connection(n)).received.slice(1, 2)
    expect(await wire(1)).toEqual(['{"action":"message","seq":1,"data":{"hello":1}}'])
    expect(await wire(2)).toEqual(await wire(1))
  })

  it('a base client has no store and no Observable of its own: statusStore(socket) and messages(socket) give them', async () => {
    const server = await startServer({
      onConnection: (conn) => {
        conn.socket.send(statusFrame(200, { user: { name: 'alice' } }))
        conn.socket.send('{"n":1}')
      },
    })
    const socket = base(server.url, { autoConnect: false })
    expect('store' in socket).toBe(false)
    expect('messages' in socket).toBe(false)
    const store = statusStore(socket)
    expect(statusStore(socket)).toBe(store) // one store a client
    const heard: unknown[] = []
    const subscription = messages(socket).subscribe((message) => heard.push(message))
    socket.send({ hello: 1 })
    expect(store.getSnapshot()).toMatchObject({ state: 'idle', queued: 1 })
    socket.connect()
    await until(() => heard.length === 1)
    expect(heard).toEqual([{ n: 1 }])
    expect(store.getSnapshot()).toMatchObject({ state: 'open', user: { name: 'alice' }, queued: 0 })
    subscription.unsubscribe()
  })

  it('statusStore on a client that already failed starts with its reason', async () => {
    const server = await startServer({ onConnection: (conn) => conn.socket.send(statusFrame(403)) })
    const socket = base(server.url)
    await expect(socket.ready).rejects.toMatchObject({ code: 'FORBIDDEN' })
    expect(statusStore(socket).getSnapshot()).toMatchObject({ state: 'failed', error: { code: 'FORBIDDEN' } })
  })
})
