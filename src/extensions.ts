/**
 * The client's own frames (PROTOCOL.md section 7), read before the status parser and the
 * application: each installed feature brings the actions it owns (the heartbeat `ping` and
 * `pong`, delivery `ack`, `message` and `resync`), and the base has `retry`. Any other frame goes
 * on to the `control` option.
 * @module
 */
import type { Attempt } from './attempt.js'
import type { Events } from './events.js'
import type { ActionHandler, Actions, ConnectionParts, Installed } from './feature.js'
import { frameAction, type ControlFrames } from './frames.js'
import type { FrameRules } from './inbound.js'
import type { ResolvedOptions } from './options.js'
import { readRetryHint } from './retry-hint.js'

/** The actions of a connection: the base's `retry` and those of its features. */
export function frameActions<In>(features: Installed, parts: ConnectionParts<In>): Actions {
  const { events, outbox, session } = parts
  // The server says when to come back: `{"action":"retry","after","jitter"}` (PROTOCOL.md section 7).
  const retry: ActionHandler = (frame, attempt) => {
    attempt.retryHint = readRetryHint(frame)
    events.line(attempt.retryHint ? 'retry hint ' + JSON.stringify(attempt.retryHint) : 'ignored a bad retry hint')
    return {}
  }
  // No prototype: a frame whose action is `toString` or `constructor` finds no handler.
  return Object.assign(Object.create(null) as Actions, {
    retry,
    ...features.Heartbeat?.actions,
    ...(features.Delivery && session && features.Delivery.actions({ outbox, session, events })),
  })
}

/** The `control` option behind `actions`, for `attempt`'s socket. */
function extensionFrames(actions: Actions, attempt: Attempt, control: ControlFrames | undefined): ControlFrames {
  return (frame) => {
    // Every incoming frame passes here: an application message costs a property read and a lookup.
    const action = frameAction(frame)
    const handler = action === undefined ? undefined : actions[action]
    return (handler && handler(frame as Record<string, unknown>, attempt)) ?? control?.(frame)
  }
}

/** How frames are read on `attempt`'s socket: the options' parser and control, the client's own actions first. */
export function socketRules<In, Out>(
  attempt: Attempt,
  o: ResolvedOptions<In, Out>,
  actions: Actions,
  events: Events<In>,
): FrameRules<In> {
  const { serializer } = o
  return {
    ...o,
    control: extensionFrames(actions, attempt, o.control),
    parse: (text) => serializer.parse(text),
    stringify: (reply) => serializer.stringify(reply as Out),
    wantsBinary: () => events.has('binary'),
    url: attempt.url,
  }
}
