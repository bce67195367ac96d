/**
 * `authsocket/react`: the `useAuthSocket` hook. React is an optional peer dependency and is
 * not part of the core bundle.
 * @module
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react'
import { AuthSocket } from './client.js'
import type { CredentialContext, CredentialProvider } from './credentials/provider.js'
import type { AuthSocketOptions } from './options.js'
import type { BinaryData } from './serializer.js'
import type { Receipt } from './receipt.js'
import type { SocketStatus } from './status.js'

export interface UseAuthSocketConfig<In> {
  /** Called for every message. The latest function is used; changing it does not reconnect. */
  onMessage?: (message: In) => void
  /** Change it to close the socket and open a new one (e.g. after signing in again). */
  key?: unknown
}

export interface UseAuthSocketResult<In, Out> extends SocketStatus {
  /** The most recent message, or `undefined` before the first. */
  lastMessage: In | undefined
  /** Sends (or queues until authenticated). Stable across renders. Throws as `AuthSocket.send` does. */
  send: (message: Out | BinaryData) => Receipt
  /** The socket itself, for events and `reconnect()`. Changes when the socket is recreated. */
  socket: AuthSocket<In, Out>
}

type Options = AuthSocketOptions<unknown, unknown>
const CALLBACKS = ['classify', 'retryDelay', 'debug', 'statusParser', 'control'] as const

/** What recreates the socket: options other than functions and objects, as one comparable string. */
function primitiveOptions(options: Options): string {
  return JSON.stringify(
    Object.entries(options).filter(
      ([, value]) => value === null || (typeof value !== 'object' && typeof value !== 'function'),
    ),
  )
}

/**
 * A provider that always runs the latest render's provider: a new object with the same kind and settings is no reason
 * to reconnect.
 */
function latestProvider(latest: { current: Options }): CredentialProvider {
  const current = () => latest.current.credentials
  return {
    kind: current().kind,
    settings: current().settings,
    prepare: (ctx) => current().prepare(ctx),
    get reauthenticate() {
      const provider = current()
      return provider.reauthenticate && ((ctx: CredentialContext) => provider.reauthenticate!(ctx))
    },
    assertSupported: (env) => current().assertSupported?.(env),
  }
}

/** The options with every callback reading the latest render's, so an inline arrow function never reconnects either. */
function latestOptions(latest: { current: Options }): Options {
  const options: Options = { ...latest.current, credentials: latestProvider(latest), autoConnect: false }
  for (const name of CALLBACKS) {
    if (latest.current[name] === undefined) continue
    options[name] = ((...args: never[]) =>
      (latest.current[name] as ((...a: never[]) => never) | undefined)?.(...args)) as never
  }
  if (latest.current.serializer)
    options.serializer = {
      stringify: (m) => latest.current.serializer!.stringify(m),
      parse: (t) => latest.current.serializer!.parse(t),
    }
  return options
}

/**
 * One authenticated socket for the component's lifetime.
 *
 * - Write it the natural way: `useAuthSocket(url, { credentials: queryToken({ token: () => auth.token() }) })`.
 *   The socket is keyed on the URL, the provider's `kind` and `settings`, the primitive options
 *   and `config.key`; a new provider or callback object each render is used (the latest one
 *   runs) but never reconnects.
 * - Under StrictMode's double mount it opens one connection, not two: the connect waits for a
 *   task, which StrictMode's synchronous unmount cancels.
 * - Unmounting closes the socket.
 * - The status (state, last error, user, expiry, queued count) comes through
 *   `useSyncExternalStore`, so it is tear-free under concurrent rendering.
 */
export function useAuthSocket<In = unknown, Out = unknown>(
  url: string,
  options: AuthSocketOptions<In, Out>,
  config: UseAuthSocketConfig<In> = {},
): UseAuthSocketResult<In, Out> {
  const latest = useRef(options as Options)
  latest.current = options as Options
  const provider = options.credentials
  const identity = [url, provider.kind, provider.settings, primitiveOptions(options as Options), config.key]
  const current = useRef<{ identity: unknown[]; socket: AuthSocket<In, Out> } | null>(null)
  if (!current.current || current.current.identity.some((part, i) => !Object.is(part, identity[i]))) {
    // Constructing with autoConnect: false has no side effect, so it is safe during render.
    current.current = {
      identity,
      socket: new AuthSocket<In, Out>(url, latestOptions(latest) as AuthSocketOptions<In, Out>),
    }
  }
  const socket = current.current.socket
  const status = useSyncExternalStore(socket.store.subscribe, socket.store.getSnapshot, socket.store.getSnapshot)
  const [lastMessage, setLastMessage] = useState<In | undefined>(undefined)
  const onMessage = useRef(config.onMessage)
  onMessage.current = config.onMessage

  useEffect(() => {
    const off = socket.on('message', (message) => {
      setLastMessage(() => message)
      onMessage.current?.(message)
    })
    const connect = setTimeout(() => socket.connect())
    return () => {
      clearTimeout(connect)
      off()
      socket.close()
    }
  }, [socket])

  const send = useCallback((message: Out | BinaryData) => current.current!.socket.send(message), [])
  return { ...status, lastMessage, send, socket }
}
