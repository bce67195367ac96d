import { AsyncPipe } from '@angular/common'
import { Component, inject } from '@angular/core'
import { scan } from 'rxjs'
import { ChatService } from './chat.service'

@Component({
  selector: 'app-root',
  imports: [AsyncPipe],
  template: `
    <h1>authsocket + Angular</h1>
    <p>
      state: <strong>{{ chat.state() }}</strong>
    </p>
    <button (click)="chat.send('hello from Angular')">Send</button>
    <ul>
      @for (line of lines$ | async; track $index) {
        <li>{{ line }}</li>
      }
    </ul>
  `,
})
export class AppComponent {
  readonly chat = inject(ChatService)
  readonly lines$ = this.chat.lines$.pipe(scan((lines: string[], line: string) => [...lines, line], []))
}
