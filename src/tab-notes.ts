/**
 * The notes the tabs sharing a socket pass over their BroadcastChannel (shared-socket.ts), and
 * how an event travels in one: structured clone carries plain data, so an error goes as its
 * fields and is made an {@link AuthSocketError} again on arrival.
 * @module
 */
import { AuthSocketError } from './errors.js'
import type { Known, Numbered } from './journal.js'
import type { ConnectionState } from './machine.js'
import type { WireData } from './outbox.js'

/** What the leader knows that a tab joining needs. */
export interface Group extends Known {
  /** The leader's tab: the one whose `bye` the next leader waits for. */
  readonly leader: string
  readonly id: string
  readonly epoch: string | undefined
  readonly offset: number
  readonly state: ConnectionState
  readonly user: unknown
  readonly expiresAt: number | undefined
  /** Why it ended `failed`, encoded as an `error` event is. */
  readonly error: unknown
}

export type Note =
  | { kind: 'hello' } // a tab joins: the leader answers with its group
  | { kind: 'group'; group: Group } // the leader's state; from a new leader, also "send me what I have not numbered"
  | { kind: 'send'; tab: string; n: number; data: WireData } // to the leader
  | { kind: 'numbered'; entry: Numbered } // the leader numbered a message (before it writes it)
  | { kind: 'refused'; tab: string; n: number } // the leader's outbox is full
  | { kind: 'done'; seq: number } // acknowledged (or written, without acks) up to `seq`
  | { kind: 'event'; type: Relayed; payload: unknown }
  | { kind: 'message'; data: unknown; at: { epoch: string | undefined; offset: number } | undefined }
  | { kind: 'restart' } // to the leader: a follower's reconnect()
  | { kind: 'survey' } // from a tab that just got the lock: what do you know?
  | { kind: 'report'; known: Known } // a follower's answer
  | { kind: 'bye'; tab: string; known: Known } // the leader leaves: its last note, after every other

/** The events a follower hears from the leader (`message` goes apart, with its offset; `state` is mirrored). */
export const RELAYED = [
  'connecting',
  'open',
  'authenticated',
  'unauthenticated',
  'binary',
  'close',
  'refresh',
  'resync',
  'waiting',
  'error',
  'state',
] as const
export type Relayed = (typeof RELAYED)[number]

/** An event's payload as a note carries it; `undefined`: not for the other tabs. */
export function encodeEvent(type: Relayed, payload: unknown): unknown {
  if (type === 'state') return (payload as { state: ConnectionState }).state
  if (type !== 'error') return payload
  const error = payload as AuthSocketError
  if (error.code === 'LISTENER_FAILED') return undefined // a listener of the leader's tab threw: not the others' business
  return { ...error, code: error.code, message: error.message }
}

/** The payload again, from a note. */
export function decodeEvent(type: Relayed, payload: unknown): unknown {
  if (type !== 'error') return payload
  const { code, message, ...rest } = payload as { code: AuthSocketError['code']; message: string }
  return Object.assign(new AuthSocketError(code, message), rest)
}

/**
 * The tabs' BroadcastChannel. The notes a tab posts in one task go out as one message: a burst of sends is one
 * structured clone and one event in each tab, not one per note.
 */
export class NoteChannel {
  readonly #channel: BroadcastChannel
  #outgoing: Note[] = []

  constructor(name: string, hear: (note: Note) => void) {
    this.#channel = new BroadcastChannel(name)
    this.#channel.onmessage = ({ data }: MessageEvent<Note[]>) => data.forEach(hear)
  }

  post(note: Note): void {
    if (this.#outgoing.push(note) === 1) queueMicrotask(() => this.#flush())
  }

  /** Sends what waits, then closes: what a tab said last (a numbered message, say) still goes. */
  close(): void {
    this.#flush()
    this.#channel.close()
  }

  #flush(): void {
    if (this.#outgoing.length) this.#channel.postMessage(this.#outgoing.splice(0))
  }
}
