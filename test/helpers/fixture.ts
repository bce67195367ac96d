/**
 * Test lifetimes: everything registered here is closed after the test that made it, newest
 * first (sockets before the servers they talk to). Installed for every file by the Vitest configs.
 */
import { afterEach } from 'vitest'
import WebSocket from 'ws'
import { AuthSocket, queryToken, type BaseAuthSocketOptions } from '../../src/index.js'
import { fastRetry } from './events.js'
import { opaqueToken } from './tokens.js'

const live: { close(): unknown }[] = []

/** Closes `thing` after the current test. */
export function closeAfterTest<T extends { close(): unknown }>(thing: T): T {
  live.push(thing)
  return thing
}

afterEach(async () => {
  for (const thing of live.splice(0).reverse()) await thing.close()
})

/**
 * An AuthSocket with test defaults (ws, 20 ms retries, a fresh opaque query token per attempt), closed after the test.
 */
export function openSocket<In = any, Out = any>(
  url: string,
  options: Partial<BaseAuthSocketOptions<In, Out>> = {},
): AuthSocket<In, Out> {
  return closeAfterTest(
    new AuthSocket<In, Out>(url, {
      WebSocket,
      retryDelay: fastRetry,
      credentials: queryToken({ token: () => opaqueToken() }),
      ...options,
    }),
  )
}
