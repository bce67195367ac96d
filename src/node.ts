/**
 * What only Node's `ws` offers: frames from its EventEmitter side, the HTTP status of a refused
 * upgrade, a payload cap enforced while reading, and `terminate()`. The browser bundle leaves
 * this file out (see `__AUTHSOCKET_BROWSER__` in vite.config.ts).
 * @module
 */
import type { WebSocketLike } from './transport.js'

interface NodeWebSocket extends WebSocketLike {
  on(type: 'message', listener: (data: { toString(): string }, isBinary: boolean) => void): void
  terminate(): void
  /** `ws`'s TCP socket, once open (a private field it has had since its first versions). */
  _socket?: { cork?(): void; uncork?(): void }
}

/** How long a closing socket may wait for the peer's close frame before it is cut. */
const CLOSE_GRACE = 500

const isNode = (socket: WebSocketLike): socket is NodeWebSocket =>
  typeof (socket as Partial<NodeWebSocket>).on === 'function' &&
  typeof (socket as Partial<NodeWebSocket>).terminate === 'function'

/**
 * Reads frames through `ws`'s EventEmitter, which skips building a MessageEvent per frame. Returns false for other
 * sockets.
 */
export function listenFrames(socket: WebSocketLike, onFrame: (data: unknown) => void): boolean {
  if (!isNode(socket)) return false
  socket.on('message', (data, isBinary) => onFrame(isBinary ? data : data.toString()))
  return true
}

/** What a `ws` error event says that matters: the refused upgrade's status, or a frame over the payload cap. */
export function readError(event: unknown): { status?: number; oversize?: boolean } {
  const error = (event as { error?: { code?: unknown }; message?: unknown } | null) ?? {}
  if (error.error?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return { oversize: true }
  const status = /Unexpected server response: (\d{3})/.exec(String(error.message ?? ''))?.[1]
  return status ? { status: Number(status) } : {}
}

/**
 * Closes a socket. `ws` waits up to 30 s for the peer's close frame and keeps the process alive
 * meanwhile; here a peer that stopped answering is cut after {@link CLOSE_GRACE} ms, or at once
 * with `now` (a connection the heartbeat found dead: no close handshake to wait for).
 */
export function closeSocket(socket: WebSocketLike, code: number, reason: string, now = false): void {
  if (now && isNode(socket)) {
    socket.terminate()
    return
  }
  socket.close(code, reason)
  if (!isNode(socket)) return
  const timer = setTimeout(() => socket.terminate(), CLOSE_GRACE)
  socket.addEventListener('close', () => clearTimeout(timer))
}

/**
 * A writer for an open `ws` socket that writes the sends of one task in one go: the first send
 * of a task corks the TCP socket and the end of the task (a microtask) uncorks it, so a burst of n messages is
 * one `writev` instead of n system calls (each costs more than everything the client does for a
 * message: bench/throughput.ts). Order is kept; nothing waits past the current task. `undefined`
 * for any other socket, or a `ws` without a TCP socket to cork.
 */
export function batchedWriter(
  socket: WebSocketLike,
): ((data: string | ArrayBufferLike | ArrayBufferView | Blob) => void) | undefined {
  const tcp = isNode(socket) ? socket._socket : undefined
  if (typeof tcp?.cork !== 'function' || typeof tcp.uncork !== 'function') return undefined
  let corked = false
  const uncork = () => {
    corked = false
    tcp.uncork!()
  }
  return (data) => {
    if (!corked) {
      corked = true
      tcp.cork!()
      queueMicrotask(uncork)
    }
    socket.send(data)
  }
}
