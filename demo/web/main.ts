import {
  AuthSocket,
  cookie,
  firstMessage,
  fullJitter,
  queryToken,
  subprotocol,
  ticket,
  type ConnectionState,
  type CredentialProvider,
  type TokenContext,
} from 'authsocket'

type ServerMsg =
  | { type: 'echo'; data: unknown }
  | { type: 'chat'; room: string; user: string; text: string }
  | { type: 'error'; detail: string }
  | { type: 'tick'; n: number }
type ClientMsg = { type: 'chat'; text: string }
type Provider = 'ticket' | 'query' | 'firstMessage' | 'subprotocol' | 'cookie'

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T

interface Session {
  user: string
  token: string
  refreshToken: string
  expiresAt: number
}
let session: Session | undefined
/** `?ttl=5` asks a test-mode server for 5-second credentials, to watch refreshes happen. */
const ttl = Number(new URLSearchParams(location.search).get('ttl')) || undefined
let socket: AuthSocket<ServerMsg, ClientMsg> | undefined
let expiresAt: number | undefined
let lifetime = 0
const counts = { refreshes: 0, reconnects: 0, messages: 0, sent: 0, acknowledged: 0, resumed: 0 }

async function post<T>(path: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  })
  if (!response.ok) {
    // The server says why (e.g. "Wrong username or password"); the status alone says little.
    const detail = await response.json().then(
      (body: { detail?: unknown }) => body.detail,
      () => undefined,
    )
    throw new Error(typeof detail === 'string' ? detail : `${path} answered ${response.status}`)
  }
  return response.json() as Promise<T>
}

/** The app's token source: refreshes when the SDK says the token is expiring or was refused. */
async function accessToken({ reason }: TokenContext): Promise<string> {
  if (!session) throw new Error('not signed in')
  if (reason === 'expiring' || reason === 'rejected' || session.expiresAt - Date.now() < 5_000) {
    const next = await post<Session>('/api/refresh', { refreshToken: session.refreshToken, ttl })
    session = { ...next, user: session.user }
    log('token', `refreshed (${reason})`)
  }
  return session.token
}

function provider(kind: Provider): CredentialProvider {
  switch (kind) {
    case 'ticket':
      return ticket({ endpoint: '/api/ws-ticket', token: accessToken })
    case 'query':
      return queryToken({ token: accessToken })
    case 'firstMessage':
      return firstMessage({ token: accessToken })
    case 'subprotocol':
      return subprotocol({ token: accessToken })
    case 'cookie':
      return cookie({ beforeConnect: () => post('/api/session/refresh').then(() => undefined) })
  }
}

function log(type: string, detail = ''): void {
  const item = document.createElement('li')
  item.dataset.type = type
  const time = new Date().toLocaleTimeString([], { hour12: false }) + '.' + String(Date.now() % 1000).padStart(3, '0')
  item.innerHTML = `<time></time><b></b><span></span>`
  item.querySelector('time')!.textContent = time
  item.querySelector('b')!.textContent = type
  item.querySelector('span')!.textContent = detail
  const timeline = $('timeline')
  timeline.prepend(item)
  while (timeline.children.length > 200) timeline.lastChild!.remove()
}

function chat(line: string, kind: 'me' | 'them' | 'system'): void {
  const item = document.createElement('li')
  item.className = kind
  item.textContent = line
  const list = $('chat-log')
  list.append(item)
  list.scrollTop = list.scrollHeight
}

function showState(state: ConnectionState): void {
  for (const li of $('states').querySelectorAll('li')) li.classList.toggle('current', li.dataset.state === state)
  document.body.dataset.state = state
  const live = state !== 'closed' && state !== 'failed' && state !== 'idle'
  $<HTMLButtonElement>('connect-btn').disabled = !session || live
  $<HTMLButtonElement>('disconnect-btn').disabled = !live
  $<HTMLButtonElement>('expire-btn').disabled = state !== 'open'
  $<HTMLButtonElement>('drop-btn').disabled = state !== 'open'
  $<HTMLButtonElement>('freeze-btn').disabled = state !== 'open'
}

function render(): void {
  for (const [key, value] of Object.entries(counts)) $(key).textContent = String(value)
  $('queued').textContent = String(socket?.queued ?? 0)
  const left = expiresAt === undefined ? undefined : Math.max(0, expiresAt - Date.now())
  $('countdown').textContent = left === undefined ? '–' : `${(left / 1000).toFixed(1)} s`
  $('bar-fill').style.width = left === undefined || !lifetime ? '0%' : `${Math.min(100, (left / lifetime) * 100)}%`
  requestAnimationFrame(render)
}

function connect(): void {
  socket?.close()
  // The counters are per connection: a new socket starts them again.
  Object.assign(counts, { refreshes: 0, reconnects: 0, messages: 0, sent: 0, acknowledged: 0, resumed: 0 })
  const room = $<HTMLInputElement>('room').value || 'lobby'
  const kind = $<HTMLSelectElement>('provider').value as Provider
  $('room-name').textContent = `#${room}`
  // The browser sends the sid cookie on every upgrade: ?auth=first-message tells the server to authenticate by the
  // frame instead.
  const path = `/ws/rooms/${room}${kind === 'firstMessage' ? '?auth=first-message' : ''}`
  const next = new AuthSocket<ServerMsg, ClientMsg>(path, {
    credentials: provider(kind),
    refreshMargin: 10_000,
    retryDelay: fullJitter({ base: 500, cap: 10_000 }),
    // Shorter than the server's 25 s + 10 s, so that "Freeze server" shows the heartbeat at work.
    heartbeat: { interval: 5_000, timeout: 3_000 },
  })
  socket = next
  ;(window as unknown as { demoSocket: unknown }).demoSocket = next
  next.on('state', ({ state, previous }) => {
    showState(state)
    log('state', `${previous} → ${state}`)
    if (state === 'reconnecting') counts.reconnects++
  })
  next.on('connecting', ({ attempt, url, reason }) => {
    // A credential the server expired or refused is renewed by this attempt: that is a refresh too.
    if (reason === 'rejected') counts.refreshes++
    log('connecting', `#${attempt} ${url} (${reason})`)
  })
  next.on('authenticated', (e) => {
    expiresAt = e.expiresAt
    lifetime = e.expiresAt ? e.expiresAt - Date.now() : 0
    log('authenticated', `${JSON.stringify(e.user)}${e.inBand ? ' in band' : ''}`)
    // The server replays what this socket missed right after authentication; its test hooks count it.
    if (!e.inBand)
      setTimeout(
        () =>
          void fetch('/test/stats')
            .then((r) => r.json())
            .then(
              (stats: { replayed: number }) => (counts.resumed = stats.replayed),
              () => undefined,
            ),
        300,
      )
  })
  next.on('resync', () => log('resync', 'the server could not replay what was missed: reload'))
  next.on('unauthenticated', ({ status, detail, willRetry }) =>
    log('unauthenticated', `${status} ${detail ?? ''}${willRetry ? ' (retrying)' : ''}`),
  )
  next.on('refresh', ({ inBand }) => {
    counts.refreshes++
    log('refresh', inBand ? 'in band' : 'by reconnect')
  })
  next.on('close', ({ code, reason, willRetry }) =>
    log('close', `${code} ${reason}${willRetry ? ' (will retry)' : ''}`),
  )
  next.on('error', (e) => log('error', `${e.code}: ${e.message}`))
  next.on('message', (msg) => {
    counts.messages++
    if (msg.type === 'chat') chat(`${msg.user}: ${msg.text}`, 'them')
    else if (msg.type === 'echo') chat(`me: ${(msg.data as ClientMsg).text}`, 'me')
    else if (msg.type === 'error') chat(msg.detail, 'system')
    // ticks (the test hook /test/stream) are only counted
  })
  showState(next.state)
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const username = $<HTMLSelectElement>('username').value
  const password = $<HTMLInputElement>('password').value
  try {
    const tokens = await post<Session>('/api/login', { username, password, ttl })
    await post('/api/session', { username, password, ttl }) // the cookie provider's session
    session = { ...tokens, user: username }
    $('who').textContent = `Signed in as ${username}. Pick a provider and connect.`
    $('who').classList.add('ok')
    log('signed in', username)
    showState(socket?.state ?? 'idle')
  } catch (error) {
    $('who').textContent = `Sign-in failed: ${(error as Error).message}`
  }
})
$('username').addEventListener(
  'change',
  () => ($<HTMLInputElement>('password').value = $<HTMLSelectElement>('username').value),
)
$('connect-btn').addEventListener('click', connect)
$('disconnect-btn').addEventListener('click', () => socket?.close())
$('expire-btn').addEventListener(
  'click',
  () => void post('/test/expire', { username: session?.user }).then(() => log('server', 'token expired now')),
)
$('drop-btn').addEventListener('click', () => void post('/test/drop').then(() => log('server', 'dropped every socket')))
$('freeze-btn').addEventListener(
  'click',
  () => void post('/test/freeze', { ms: 20_000 }).then(() => log('server', 'stopped reading every socket for 20 s')),
)
$('chat-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const input = $<HTMLInputElement>('chat-input')
  if (!input.value || !socket) return
  try {
    const receipt = socket.send({ type: 'chat', text: input.value })
    counts.sent++
    receipt.acked.then(
      () => counts.acknowledged++,
      (error: Error) => log('not acknowledged', error.message),
    )
    input.value = ''
  } catch (error) {
    log('error', (error as Error).message)
  }
})
showState('idle')
render()
