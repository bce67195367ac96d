/**
 * The delivery feature (PROTOCOL.md section 7): acknowledged sends and resume. It owns the
 * `acks` and `resume` options, the session that numbers the client's messages and remembers the
 * server's, and the `ack`, `message` and `resync` frames. Without it the outbox still holds what
 * waits for authentication, and nothing is numbered on the wire.
 * @module
 */
import type { Feature } from './feature.js'
import { readAck, readNumbered, readResync } from './frames.js'
import { numbered, NumberedOutbox } from './numbered-outbox.js'
import { DeliverySession } from './session.js'
import { invalid } from './validate.js'

/** The options the Delivery feature owns. */
export interface DeliveryOptions {
  /**
   * Acknowledged sends: every text message carries a number, and leaves the outbox only when
   * the server acknowledges it; unacknowledged ones are written again, first and in order, after
   * the next authentication, and the server drops the duplicates. Needs a JSON serializer; binary
   * messages are not acknowledged. `true` forces it on, `false` off.
   * @default on when the server's 200 frame announces `ack: true`, off otherwise
   */
  acks?: boolean
  /**
   * Resume: the server numbers its messages and, after a reconnect, replays what this client
   * missed, so each is delivered once and in order; when it cannot, the client emits `resync`.
   * `true` forces it on, `false` off.
   * @default on when the server's 200 frame announces `resume`, off otherwise
   */
  resume?: boolean
}

function flag(name: 'acks' | 'resume', value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean')
    throw invalid(`Option \`${name}\` must be true or false (or left out: follow the server).`)
  return value
}

/**
 * Acknowledged sends and resume: on when the server's 200 frame announces them, or when forced
 * with `acks: true` / `resume: true`.
 */
export const Delivery: Feature<'Delivery'> = {
  name: 'Delivery',
  install(options) {
    const acks = flag('acks', options.acks)
    const resume = flag('resume', options.resume)
    return {
      session: () => new DeliverySession(),
      outbox: (limit, onChange) => new NumberedOutbox(limit, onChange),
      agree: (verdict) => ({
        acks: acks ?? verdict?.ack === true,
        resume: resume === false ? undefined : (verdict?.resume ?? (resume ? {} : undefined)),
      }),
      actions: ({ outbox, session, events }) => {
        const acknowledged = numbered(outbox)
        return {
          ack: (frame, attempt) => {
            const seq = attempt.acks ? readAck(frame) : undefined
            if (seq === undefined) return undefined
            acknowledged.ack(seq)
            return {}
          },
          message: (frame, attempt) => {
            const message = attempt.resume && readNumbered(frame)
            if (!message) return undefined
            return session.accept(message.epoch, message.offset) ? { deliver: message.data } : {}
          },
          resync: (frame, attempt) => {
            if (!attempt.resume) return undefined
            const epoch = readResync(frame)
            session.resync(epoch)
            events.emit('resync', { epoch })
            return {}
          },
        }
      },
    }
  },
}
