import { useState } from 'react'
import { ticket } from 'authsocket'
import { useAuthSocket } from 'authsocket/react'

type ServerMsg = { type: 'echo'; data: { type: 'chat'; text: string } }
type ClientMsg = { type: 'chat'; text: string }

async function accessToken(): Promise<string> {
  const response = await fetch('/api/login', { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'alice' }) })
  return ((await response.json()) as { token: string }).token
}

// Created once, outside the component: a new provider object would mean a new socket.
const credentials = ticket({ endpoint: '/api/ws-ticket', token: accessToken })

function Chat() {
  const [log, setLog] = useState<string[]>([])
  const { state, lastMessage, send } = useAuthSocket<ServerMsg, ClientMsg>('/ws', { credentials }, {
    onMessage: (msg) => setLog((lines) => [...lines, msg.data.text]),
  })
  return (
    <section>
      <p>
        state: <strong data-testid="state">{state}</strong>
      </p>
      <button data-testid="send" onClick={() => send({ type: 'chat', text: `hello #${log.length + 1}` })}>
        Send
      </button>
      <p data-testid="last">{lastMessage ? lastMessage.data.text : 'no message yet'}</p>
      <ul data-testid="log">
        {log.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ul>
    </section>
  )
}

export function App() {
  const [mounted, setMounted] = useState(true)
  return (
    <main>
      <h1>authsocket + React</h1>
      <button data-testid="toggle" onClick={() => setMounted((m) => !m)}>
        {mounted ? 'Unmount' : 'Mount'}
      </button>
      {mounted && <Chat />}
    </main>
  )
}
