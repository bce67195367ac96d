import { Injectable, OnDestroy, signal } from '@angular/core'
import { AuthSocket, ticket, type ConnectionState } from 'authsocket'
import { from, map, type Observable } from 'rxjs'

export type ServerMsg =
  { type: 'echo'; data: { type: 'chat'; text: string } } | { type: 'chat'; user: string; text: string }
export type ClientMsg = { type: 'chat'; text: string }

/** One authenticated socket for the app, as an Angular service: RxJS for messages, a signal for the state. */
@Injectable({ providedIn: 'root' })
export class ChatService implements OnDestroy {
  private readonly socket = new AuthSocket<ServerMsg, ClientMsg>('/ws', {
    credentials: ticket({ endpoint: '/api/ws-ticket', token: () => this.accessToken() }),
  })

  /** Every message, through RxJS's from(): the SDK has no RxJS dependency of its own. */
  readonly messages$: Observable<ServerMsg> = from(this.socket)
  readonly lines$: Observable<string> = this.messages$.pipe(
    map((msg) => (msg.type === 'chat' ? `${msg.user}: ${msg.text}` : `me: ${msg.data.text}`)),
  )
  readonly state = signal<ConnectionState>(this.socket.state)

  constructor() {
    this.socket.on('state', ({ state }) => this.state.set(state))
  }

  send(text: string): void {
    this.socket.send({ type: 'chat', text })
  }

  ngOnDestroy(): void {
    this.socket.close()
  }

  private async accessToken(): Promise<string> {
    const response = await fetch('/api/login', {
      method: 'POST',
      body: JSON.stringify({ username: 'alice', password: 'alice' }),
    })
    return ((await response.json()) as { token: string }).token
  }
}
