import { describe, expectTypeOf, it } from 'vitest'
import {
  AuthSocket,
  AuthSocketError,
  CloseCode,
  queryToken,
  ticket,
  type AuthSocketErrorCode,
  type BinaryData,
  type ConnectionState,
  type CredentialProvider,
  type CredentialReason,
  type FailureClass,
  type WebSocketConstructor,
} from '../../src/index.js'
import NodeWebSocket from 'ws'

type ServerMsg = { type: 'chat'; text: string } | { type: 'presence'; users: string[] }
type ClientMsg = { type: 'chat'; text: string }

describe('public types', () => {
  const socket = new AuthSocket<ServerMsg, ClientMsg>('wss://x/ws', { credentials: ticket({ endpoint: '/t' }) })

  it('messages are typed both ways', () => {
    socket.on('message', (msg) => expectTypeOf(msg).toEqualTypeOf<ServerMsg>())
    expectTypeOf<Parameters<typeof socket.send>[0]>().toEqualTypeOf<ClientMsg | BinaryData>()
    // @ts-expect-error: not a ClientMsg
    socket.send({ type: 'presence', users: [] })
    expectTypeOf<ReturnType<typeof socket.send>['acked']>().toEqualTypeOf<Promise<void>>()
  })

  it('events are typed', () => {
    socket.on('authenticated', (e) => {
      expectTypeOf(e.user).toBeUnknown()
      expectTypeOf(e.expiresAt).toEqualTypeOf<number | undefined>()
    })
    socket.on('state', (e) => expectTypeOf(e.state).toEqualTypeOf<ConnectionState>())
    socket.on('error', (e) => expectTypeOf(e.code).toEqualTypeOf<AuthSocketErrorCode>())
    socket.on('binary', (e) => expectTypeOf(e).toEqualTypeOf<ArrayBuffer>())
    expectTypeOf(socket.on('close', () => undefined)).toEqualTypeOf<() => void>()
    // @ts-expect-error: no such event
    socket.on('nope', () => undefined)
  })

  it('the rest of the surface', () => {
    expectTypeOf(socket.ready).toEqualTypeOf<Promise<void>>()
    expectTypeOf(socket.state).toEqualTypeOf<ConnectionState>()
    expectTypeOf(socket.queued).toBeNumber()
    expectTypeOf(queryToken({ token: 't' })).toEqualTypeOf<CredentialProvider>()
    expectTypeOf<CredentialReason>().toEqualTypeOf<'initial' | 'reconnect' | 'expiring' | 'rejected'>()
    expectTypeOf<FailureClass>().toEqualTypeOf<'unauthorized' | 'forbidden' | 'network' | 'fatal'>()
    expectTypeOf(CloseCode.Forbidden).toMatchTypeOf<number>()
    expectTypeOf(new AuthSocketError('QUEUE_FULL', 'x')).toMatchTypeOf<Error>()
    queryToken({
      token: async ({ reason, signal }) => {
        expectTypeOf(reason).toEqualTypeOf<CredentialReason>()
        expectTypeOf(signal).toEqualTypeOf<AbortSignal>()
        return 't'
      },
    })
  })

  it("both the browser's WebSocket and ws's class fit the WebSocket option", () => {
    expectTypeOf(globalThis.WebSocket).toMatchTypeOf<WebSocketConstructor>()
    expectTypeOf(NodeWebSocket).toMatchTypeOf<WebSocketConstructor>()
  })

  it('defaults are unknown in and out', () => {
    const plain = new AuthSocket('wss://x/ws', { credentials: queryToken({ token: 't' }) })
    plain.on('message', (m) => expectTypeOf(m).toBeUnknown())
  })
})
