import { expect, test } from '@playwright/test'
import { startGraphqlServer, type GraphqlServer } from '../helpers/graphql-server.js'
import { bundlePage } from './helpers.js'

let server: GraphqlServer
test.beforeAll(async () => {
  server = await startGraphqlServer()
  server.valid.add('chromium-token')
})
test.afterAll(() => server.close())

test('graphql-ws from the IIFE: the recipe connects, subscribes, answers pings; a refusal and a missing subprotocol stop at once', async ({
  page,
}) => {
  await bundlePage(page)
  server.pingAfterAck = true
  const outcome = await page.evaluate(async (url) => {
    const { AuthSocket } = window as unknown as { AuthSocket: any }
    const counts: number[] = []
    const socket = new AuthSocket(url, { ...AuthSocket.graphqlWs({ token: 'chromium-token' }) })
    const done = new Promise<void>((resolve) =>
      socket.on('message', (msg: { type: string; payload?: { data?: { count: number } } }) => {
        if (msg.type === 'next') counts.push(msg.payload!.data!.count)
        if (msg.type === 'complete') resolve()
      }),
    )
    socket.send({ id: '1', type: 'subscribe', payload: { query: 'subscription { count(to: 5) }' } })
    await done
    await new Promise((resolve) => setTimeout(resolve, 100)) // the server's ping, answered
    socket.close()
    const refused = await new AuthSocket(url, { ...AuthSocket.graphqlWs({ token: 'wrong' }) }).ready.catch(
      (e: { code: string }) => e.code,
    )
    const bare = { ...AuthSocket.graphqlWs({ token: 'chromium-token' }), protocols: [] }
    const noProtocol = await new AuthSocket(url, bare).ready.catch(
      (e: { code: string; message: string }) => `${e.code}: ${e.message}`,
    )
    return { counts, refused, noProtocol }
  }, server.url)
  expect(outcome.counts).toEqual([1, 2, 3, 4, 5])
  expect(outcome.refused).toBe('FORBIDDEN')
  expect(outcome.noProtocol).toMatch(/^FATAL_CLOSE: .*4406.*see the protocols option/)
  expect(server.received.some((frame) => JSON.parse(frame).type === 'pong')).toBe(true)
})
