/**
 * The quick start of docs/django.md, as written (examples/django: settings, asgi.py, urls.py and
 * one consumer over authsocket-channels), served by daphne, with the client from the guide.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { AuthSocket, subprotocol, ticket } from '../../../src/index.js'
import { nextEvent } from '../../helpers/events.js'
import { track } from '../../helpers/tokens.js'
import { closeAfterTest } from '../../helpers/fixture.js'
import { daphneForFile, post } from './daphne.js'

const django = daphneForFile('serve-quickstart.sh')

type Chat = { type: 'chat'; user: string; text: string }

describe("the guide's quick start", () => {
  it('two clients, one by subprotocol bearer and one by ticket, chat through the group; each message once', async () => {
    const { json } = await post(`${django.http}/api/token/`, { username: 'alice', password: 'alice' })
    const access = track(json.access as string)
    const options = { WebSocket, origin: django.origin }
    const bySubprotocol = closeAfterTest(
      new AuthSocket<Chat, { text: string }>(`${django.ws}/ws/chat/`, {
        ...options,
        credentials: subprotocol({ token: access }),
      }),
    )
    const byTicket = closeAfterTest(
      new AuthSocket<Chat, { text: string }>(`${django.ws}/ws/chat/`, {
        ...options,
        credentials: ticket({ endpoint: `${django.http}/api/ws-ticket/`, token: access }),
      }),
    )
    const authenticated = await Promise.all([
      nextEvent(bySubprotocol, 'authenticated'),
      nextEvent(byTicket, 'authenticated'),
    ])
    expect(authenticated.map((a) => a.user)).toEqual([
      { id: 1, name: 'alice' },
      { id: 1, name: 'alice' },
    ])
    const received = Promise.all([nextEvent(bySubprotocol, 'message'), nextEvent(byTicket, 'message')])
    await bySubprotocol.send({ text: 'hello' }).acked
    expect(await received).toEqual([
      { type: 'chat', user: 'alice', text: 'hello' },
      { type: 'chat', user: 'alice', text: 'hello' },
    ])
    expect(django.log()).not.toContain('Traceback')
  })
})
