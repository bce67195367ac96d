import { from, type Observable } from 'rxjs'
import { describe, expectTypeOf, it } from 'vitest'
import { AuthSocket, queryToken } from '../../src/index.js'

describe('RxJS interop', () => {
  it('from(socket) and from(socket.messages()) are typed Observables of the incoming messages', () => {
    const socket = new AuthSocket<{ n: number }, never>('wss://x/ws', { credentials: queryToken({ token: 't' }) })
    expectTypeOf(from(socket.messages())).toEqualTypeOf<Observable<{ n: number }>>()
    expectTypeOf(from(socket)).toEqualTypeOf<Observable<{ n: number }>>()
  })
})
