/**
 * The echo server the throughput and open benches share, in its own process so that the
 * bench process's CPU time is the client's alone. A connection whose URL asks `auth=1`
 * first gets a Chanx 200 status frame (AuthSocket waits for it); every frame is echoed.
 */
import { WebSocketServer } from 'ws'

const status = JSON.stringify({ action: 'authentication', payload: { status_code: 200, status_text: 'OK', data: { detail: 'OK' } } })
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
wss.on('connection', (socket, request) => {
  if (request.url?.includes('auth=1')) socket.send(status)
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }))
})
wss.on('listening', () => console.log(`listening ${(wss.address() as { port: number }).port}`))
