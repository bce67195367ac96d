/**
 * A real graphql-ws 6 server (`graphql-ws/use/ws` on a `ws` server) on 127.0.0.1, for the
 * Node and Chromium tests of the graphql-ws recipe. `onConnect` accepts the tokens in `valid`.
 */
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { useServer } from 'graphql-ws/use/ws'

// graphql must be the copy graphql-ws loads (Node's resolution: CommonJS), or it rejects the
// schema as "from another module or realm"; a bundler's import would pick the .mjs one.
const { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString } = createRequire(import.meta.url)(
  'graphql',
) as typeof import('graphql')
import { WebSocketServer, type WebSocket } from 'ws'

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { hello: { type: GraphQLString, resolve: () => 'world' } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      count: {
        type: GraphQLInt,
        args: { to: { type: GraphQLInt } },
        subscribe: async function* (_root: unknown, { to }: { to: number }) {
          for (let n = 1; n <= to; n++) yield { count: n }
        },
      },
    },
  }),
})

export interface GraphqlServer {
  url: string
  /** Tokens the server accepts; anything else is refused in onConnect (close 4403). */
  valid: Set<string>
  /** Tokens presented in connection_init, in order. */
  presented: string[]
  /** Text frames the server's sockets received (pongs included). */
  received: string[]
  /** Send `{"type":"ping"}` right after every connection_ack. */
  pingAfterAck: boolean
  /** Closes every socket and stops listening; `start()` listens again on the same port. */
  stop(): Promise<void>
  start(): Promise<void>
  close(): Promise<void>
}

export async function startGraphqlServer(): Promise<GraphqlServer> {
  let port = 0
  let http = createServer()
  let wss: WebSocketServer
  let dispose: () => void | Promise<void> = () => undefined
  const server: GraphqlServer = {
    url: '',
    valid: new Set(),
    presented: [],
    received: [],
    pingAfterAck: false,
    async start() {
      http = createServer()
      wss = new WebSocketServer({ server: http })
      wss.on('connection', (socket: WebSocket) => socket.on('message', (data) => server.received.push(String(data))))
      const disposable = useServer(
        {
          schema,
          onConnect: (ctx) => {
            const token = String((ctx.connectionParams as { token?: unknown } | undefined)?.token ?? '')
            server.presented.push(token)
            return server.valid.has(token)
          },
          onSubscribe: () => undefined,
        },
        wss,
      )
      dispose = () => disposable.dispose()
      wss.on('connection', (socket: WebSocket) => {
        socket.on('message', (data) => {
          if (server.pingAfterAck && JSON.parse(String(data)).type === 'connection_init')
            setTimeout(() => socket.send('{"type":"ping","payload":{"at":1}}'), 20)
        })
      })
      await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve))
      port = (http.address() as AddressInfo).port
      server.url = `ws://127.0.0.1:${port}/graphql`
    },
    async stop() {
      for (const client of wss.clients) client.terminate()
      await dispose()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
    close: () => server.stop(),
  }
  await server.start()
  return server
}
