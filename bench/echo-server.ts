/**
 * The echo server the throughput and open benches share, in its own process so that the
 * bench process's CPU time is the client's alone. A connection whose URL asks `auth=1`
 * first gets a Chanx 200 status frame (AuthSocket waits for it); every frame is echoed.
 * `auth=ack` also announces heartbeat and acknowledged sends (docs/PROTOCOL.md section 7):
 * a numbered message's data is echoed, and acknowledged once per burst.
 */
import { WebSocketServer } from 'ws'

const status = (data: object) =>
  JSON.stringify({
    action: 'authentication',
    payload: { status_code: 200, status_text: 'OK', data: { detail: 'OK', ...data } },
  })
const plain = status({})
const withAcks = status({ ack: true, heartbeat: { interval: 25_000, timeout: 10_000 } })
const NUMBERED = '{"action":"message","seq":'

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
wss.on('connection', (socket, request) => {
  const acks = request.url?.includes('auth=ack') ?? false
  if (acks) socket.send(withAcks)
  else if (request.url?.includes('auth=1')) socket.send(plain)
  let due: number | undefined
  let from = 0
  socket.on('message', (data, isBinary) => {
    if (!acks || isBinary) return socket.send(data, { binary: isBinary })
    const text = data.toString()
    if (text === '{"action":"ping"}') return socket.send('{"action":"pong"}')
    if (!text.startsWith(NUMBERED)) return socket.send(text)
    // {"action":"message","seq":N,"data":<message>}: the message is sent back as it came, unparsed, as raw echoes are.
    const comma = text.indexOf(',', NUMBERED.length)
    const seq = Number(text.slice(NUMBERED.length, comma))
    socket.send(text.slice(comma + ',"data":'.length, -1))
    // As the reference server does (demo/server/delivery.ts): an ack when the burst ends, and every 100 within it.
    if (due === undefined) {
      from = seq
      setImmediate(() => {
        if (due !== undefined) socket.send(`{"action":"ack","seq":${due}}`)
        due = undefined
      })
    } else if (seq - from >= 100) {
      socket.send(`{"action":"ack","seq":${seq}}`)
      from = seq
    }
    due = seq
  })
})
wss.on('listening', () => console.log(`listening ${(wss.address() as { port: number }).port}`))
