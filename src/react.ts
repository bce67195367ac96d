/**
 * `authsocket/react`: the `useAuthSocket` hook. React is an optional peer dependency and is
 * not part of the core bundle.
 * @module
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import { AuthSocket } from './client.js'
import type { BinaryData } from './serializer.js'
import type { ConnectionState } from './machine.js'
import type { AuthSocketOptions } from './options.js'

export interface UseAuthSocketConfig<In> {
  /** Called for every message. The latest function is used; changing it does not reconnect. */
  onMessage?: (message: In) => void
  /** Change it to close the socket and open a new one (e.g. after signing in again). */
  key?: unknown
}

export interface UseAuthSocketResult<In, Out> {
  /** The connection state, re-rendered on every change. */
  state: ConnectionState
  /** The most recent message, or `undefined` before the first. */
  lastMessage: In | undefined
  /** Sends (or queues until authenticated). Stable across renders. Throws as `AuthSocket.send` does. */
  send: (message: Out | BinaryData) => void
  /** The socket itself, for events and `reconnect()`. Changes when the socket is recreated. */
  socket: AuthSocket<In, Out>
}

/** Options other than functions and objects, as one comparable string: changing one recreates the socket. */
function primitiveOptions(options: AuthSocketOptions<unknown, unknown>): string {
  return JSON.stringify(Object.entries(options).filter(([, value]) => value === null || typeof value !== 'object' && typeof value !== 'function'))
}

/**
 * One authenticated socket for the component's lifetime.
 *
 * - Under StrictMode's double mount it opens one connection, not two: the connect waits for a
 *   task, which StrictMode's synchronous unmount cancels, so the simulated first mount never
 *   starts a transport or asks for a credential.
 * - Unmounting closes the socket.
 * - A new `url`, a new `credentials` provider object, a changed primitive option (`confirm`,
 *   `authTimeout`, ...) or a new `config.key` closes the socket and opens a new one. Create the
 *   provider once (outside the component, or in `useMemo`) or every render reconnects.
 */
export function useAuthSocket<In = unknown, Out = unknown>(
  url: string,
  options: AuthSocketOptions<In, Out>,
  config: UseAuthSocketConfig<In> = {},
): UseAuthSocketResult<In, Out> {
  const identity = [url, options.credentials, primitiveOptions(options as AuthSocketOptions<unknown, unknown>), config.key]
  const current = useRef<{ identity: unknown[]; socket: AuthSocket<In, Out> } | null>(null)
  if (!current.current || current.current.identity.some((part, i) => !Object.is(part, identity[i]))) {
    // Constructing with autoConnect: false has no side effect, so it is safe during render.
    current.current = { identity, socket: new AuthSocket<In, Out>(url, { ...options, autoConnect: false }) }
  }
  const socket = current.current.socket
  const [state, setState] = useState<ConnectionState>(socket.state)
  const [lastMessage, setLastMessage] = useState<In | undefined>(undefined)
  const onMessage = useRef(config.onMessage)
  onMessage.current = config.onMessage

  useEffect(() => {
    setState(socket.state)
    const offs = [
      socket.on('state', ({ state: next }) => setState(next)),
      socket.on('message', (message) => {
        setLastMessage(() => message)
        onMessage.current?.(message)
      }),
    ]
    const connect = setTimeout(() => socket.connect())
    return () => {
      clearTimeout(connect)
      offs.forEach((off) => off())
      socket.close()
    }
  }, [socket])

  const send = useCallback((message: Out | BinaryData) => current.current!.socket.send(message), [])
  return { state, lastMessage, send, socket }
}
