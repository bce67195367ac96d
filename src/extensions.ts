/**
 * The frames of the optional extensions of PROTOCOL.md section 7 (heartbeat, acknowledged sends,
 * resume), read before the status parser and the application: they are the client's own.
 * @module
 */
import type { Attempt } from './attempt.js'
import type { Events } from './events.js'
import type { ControlFrames } from './frames.js'
import type { FrameRules } from './inbound.js'
import type { ResolvedOptions } from './options.js'
import type { Outbox } from './outbox.js'
import type { DeliverySession } from './session.js'
import { readRetryHint } from './retry-hint.js'

/**
 * What the extensions' frames do to the client: acknowledge sends, deliver a numbered message once, start the stream
 * again.
 */
export interface ExtensionHooks {
  on(): { heartbeat: boolean; acks: boolean; resume: boolean }
  ack(seq: number): void
  /** `true` if the numbered message is new. */
  accept(epoch: string | undefined, offset: number): boolean
  resync(epoch: string | undefined): void
  /** The server says when to come back: `{"action":"retry","after","jitter"}` (PROTOCOL.md section 7). */
  retry(hint: unknown): void
}

/** The actions of the frames the client reads itself; any other frame goes on to the `control` option. */
const OWN_ACTIONS = new Set(['message', 'resync', 'ping', 'pong', 'ack', 'retry'])

/**
 * The extensions' frames are the client's own: while a heartbeat runs a ping is answered and a
 * pong consumed; with acks `{"action":"ack","seq":N}` goes to `ack`; with resume a numbered
 * `{"action":"message","offset":N,"data":...}` delivers its data once, and `{"action":"resync"}`
 * starts the stream again; `{"action":"retry"}` is the server's retry hint. Other frames go on to
 * the `control` option.
 */
export function extensionFrames(hooks: ExtensionHooks, control: ControlFrames | undefined): ControlFrames {
  return (frame) => {
    // Every incoming frame passes here: an application message costs one property read.
    const action = typeof frame === 'object' && frame !== null ? (frame as { action?: unknown }).action : undefined
    if (typeof action !== 'string' || !OWN_ACTIONS.has(action)) return control?.(frame)
    if (action === 'retry') {
      hooks.retry(frame)
      return {}
    }
    const { seq, offset, epoch, data } = frame as { seq?: unknown; offset?: unknown; epoch?: unknown; data?: unknown }
    if (action === 'message' || action === 'resync') {
      const stream = typeof epoch === 'string' ? epoch : undefined
      if (!hooks.on().resume) return control?.(frame)
      if (action === 'resync') {
        hooks.resync(stream)
        return {}
      }
      if (typeof offset === 'number') return hooks.accept(stream, offset) ? { deliver: data } : {}
    }
    const active = hooks.on()
    if (action === 'ping' && active.heartbeat) return { reply: { action: 'pong' } }
    if (action === 'pong' && active.heartbeat) return {}
    if (action === 'ack' && active.acks && typeof seq === 'number') {
      hooks.ack(seq)
      return {}
    }
    return control?.(frame)
  }
}

/**
 * How frames are read on `attempt`'s socket: the options' parser and control, with the extensions' frames routed first
 * to the outbox and the session.
 */
export function socketRules<In, Out>(
  attempt: Attempt,
  o: ResolvedOptions<In, Out>,
  parts: { outbox: Outbox; session: DeliverySession; events: Events<In> },
): FrameRules<In> {
  const { outbox, session, events } = parts
  const hooks: ExtensionHooks = {
    on: () => ({
      heartbeat: attempt.heartbeat !== undefined,
      acks: attempt.acks,
      resume: attempt.resume !== undefined,
    }),
    ack: (seq) => outbox.ack(seq),
    accept: (epoch, offset) => session.accept(epoch, offset),
    resync: (epoch) => {
      session.resync(epoch)
      events.emit('resync', { epoch })
    },
    retry: (frame) => {
      attempt.retryHint = readRetryHint(frame)
      events.line(attempt.retryHint ? 'retry hint ' + JSON.stringify(attempt.retryHint) : 'ignored a bad retry hint')
    },
  }
  const { serializer } = o
  return {
    ...o,
    control: extensionFrames(hooks, o.control),
    parse: (text) => serializer.parse(text),
    stringify: (reply) => serializer.stringify(reply as Out),
    wantsBinary: () => events.has('binary'),
    url: attempt.url,
  }
}
