import { useEffect, useState } from 'react'
import { ticket } from 'authsocket'
import { useAuthSocket } from 'authsocket/react'

type ServerMsg = { type: 'echo'; data: { type: 'chat'; text: string } }
type ClientMsg = { type: 'chat'; text: string }

async function accessToken(): Promise<string> {
  const response = await fetch('/api/login', {
    method: 'POST',
    body: JSON.stringify({ username: 'alice', password: 'alice' }),
  })
  return ((await response.json()) as { token: string }).token
}

function Chat() {
  const [log, setLog] = useState<string[]>([])
  const [renders, setRenders] = useState(0)
  // The natural code: the provider is created inline, on every render. The hook keys the socket on
  // the provider's kind and settings, runs the latest one, and never reconnects for a new object.
  const { state, user, queued, error, lastMessage, send } = useAuthSocket<ServerMsg, ClientMsg>(
    '/ws',
    { credentials: ticket({ endpoint: '/api/ws-ticket', token: accessToken }) },
    { onMessage: (msg) => setLog((lines) => [...lines, msg.data.text]) },
  )
  // "Re-render 100 times": what a busy parent does to a component.
  useEffect(() => {
    if (renders > 0 && renders < 100) setRenders(renders + 1)
  }, [renders])
  return (
    <section>
      <p>
        state: <strong data-testid="state">{state}</strong> as{' '}
        <span data-testid="user">{JSON.stringify(user ?? null)}</span>, queued{' '}
        <span data-testid="queued">{queued}</span>, last error <span data-testid="error">{error?.code ?? 'none'}</span>
      </p>
      <button data-testid="rerender" onClick={() => setRenders(1)}>
        Re-render 100 times
      </button>
      <span data-testid="renders">{renders}</span>
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
