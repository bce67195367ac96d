/**
 * The reference server's side of the delivery extensions (docs/PROTOCOL.md section 7):
 * acknowledged sends (each numbered message given to the application once, acknowledged in one
 * cumulative ack per burst) and resume (numbered messages kept per session, replayed after a
 * reconnect, or `resync` when they cannot be). Every map and buffer here is bounded.
 */
import type { WebSocket } from 'ws'

/**
 * A client's delivery session: the last `seq` its application was given (acknowledged sends),
 * and the numbered messages sent to it, the newest RESUME_BUFFER of them kept for a replay,
 * with the socket they go to while it is connected.
 */
export interface Delivery {
  delivered: number
  sent: number
  buffer: { offset: number; text: string }[]
  /** Characters held in `buffer`. */
  bytes: number
  /** The client asked for numbered messages (resume), not only for acknowledged sends. */
  resume: boolean
  client?: DeliveryClient
}

/** What a socket needs for the extensions: the session it opened, and the ack not yet sent. */
export interface DeliveryClient {
  ws: WebSocket
  delivery?: Delivery
  /** The newest seq not yet acknowledged, and the seq the last ack (or the burst) started at. */
  ackDue?: number
  ackFrom?: number
}

/** Messages kept per session for a replay, and the most characters they may hold (frames can be 64 KiB each). */
export const RESUME_BUFFER = 1000
export const RESUME_CHARS = 256 * 1024
/** Within a burst, an ack at least every this many messages. */
export const ACK_EVERY = 100
/** Sessions kept (the newest). */
export const MAX_SESSIONS = 1000

export interface DeliveryCounters {
  resyncs: number
  duplicates: number
  replayed: number
}

export function createDeliveries(counters: () => DeliveryCounters) {
  /** Keyed by the user and the client's session id: another user's id opens another session. */
  const sessions = new Map<string, Delivery>()
  /** This server's stream: offsets from another epoch (before a restart) cannot be replayed. */
  const epoch = Math.random().toString(36).slice(2, 10)
  /** Test hook: every ack waits this long (ms), none within a burst: a slow server. */
  let ackDelay = 0

  /**
   * Acknowledges up to `seq`: one cumulative ack when the burst ends, and one every ACK_EVERY
   * messages within it. A setImmediate alone can wait for many reads under steady load (seen in
   * the throughput bench: 10,000 unacknowledged messages, the client's outbox full).
   */
  function acknowledge(client: DeliveryClient, seq: number): void {
    const due = client.ackDue
    client.ackDue = seq
    if (due === undefined) {
      client.ackFrom = seq
      if (ackDelay > 0) setTimeout(() => sendAck(client), ackDelay)
      else setImmediate(() => sendAck(client))
    } else if (ackDelay === 0 && seq - client.ackFrom! >= ACK_EVERY) {
      sendAck(client)
      client.ackDue = seq // still due at the burst's end: a later seq of this burst updates it
      client.ackFrom = seq
    }
  }

  function sendAck(client: DeliveryClient): void {
    if (client.ackDue !== undefined && client.ws.readyState === client.ws.OPEN)
      client.ws.send(`{"action":"ack","seq":${client.ackDue}}`)
    client.ackDue = undefined
  }

  /** Sends an application message: numbered and kept for a replay when the client resumes, as is otherwise. */
  function deliver(delivery: Delivery | undefined, client: DeliveryClient | undefined, message: unknown): void {
    if (!delivery?.resume) {
      if (client && client.ws.readyState === client.ws.OPEN) client.ws.send(JSON.stringify(message))
      return
    }
    const offset = ++delivery.sent
    const text = `{"action":"message","epoch":"${epoch}","offset":${offset},"data":${JSON.stringify(message)}}`
    delivery.buffer.push({ offset, text })
    delivery.bytes += text.length
    while (delivery.buffer.length > RESUME_BUFFER || delivery.bytes > RESUME_CHARS)
      delivery.bytes -= delivery.buffer.shift()!.text.length
    const live = delivery.client
    if (live?.delivery === delivery && live.ws.readyState === live.ws.OPEN) live.ws.send(text)
  }

  return {
    announcement: () => ({ heartbeat: { interval: 25_000, timeout: 10_000 }, ack: true, resume: { epoch } }),
    deliver,

    /**
     * `{"action":"message","seq":N,"data":...}`: `data` for the application if it is new, `undefined` for a duplicate.
     */
    numbered(client: DeliveryClient, seq: number, data: unknown): { data: unknown } | undefined {
      const delivery = client.delivery!
      const fresh = seq > delivery.delivered
      if (fresh) delivery.delivered = seq
      else counters().duplicates++
      acknowledge(client, seq)
      return fresh ? { data } : undefined
    },

    /**
     * `{"action":"session","id","resume"?,"epoch"?,"offset"?}`: binds the socket to its session and replays what it
     * missed, or says it cannot.
     */
    open(
      client: DeliveryClient,
      owner: string,
      id: unknown,
      from: { epoch?: unknown; offset?: unknown; resume?: unknown },
    ): void {
      if (typeof id !== 'string' || id.length > 64) return
      const key = `${owner}\n${id}`
      let delivery = sessions.get(key)
      if (!delivery) {
        if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!)
        sessions.set(key, (delivery = { delivered: 0, sent: 0, buffer: [], bytes: 0, resume: false }))
      }
      client.delivery = delivery
      delivery.client = client
      delivery.resume = from.resume === true
      if (!delivery.resume || typeof from.offset !== 'number') return // acks only, or a new client: nothing to resume
      const oldest = delivery.buffer[0]?.offset ?? delivery.sent + 1
      if (from.epoch !== epoch || from.offset < oldest - 1 || from.offset > delivery.sent) {
        counters().resyncs++
        return void client.ws.send(`{"action":"resync","epoch":"${epoch}"}`)
      }
      for (const entry of delivery.buffer)
        if (entry.offset > from.offset) {
          client.ws.send(entry.text)
          counters().replayed++
        }
    },

    /**
     * Sends `count` numbered `{"type":"tick","n"}` messages to every session, one each `every` ms, connected or not.
     */
    stream(count: number, every: number): void {
      let n = 0
      const timer = setInterval(() => {
        n++
        for (const delivery of sessions.values()) deliver(delivery, delivery.client, { type: 'tick', n })
        if (n >= count) clearInterval(timer)
      }, every)
    },

    buffered: () => ({ sessions: sessions.size, chars: [...sessions.values()].reduce((sum, d) => sum + d.bytes, 0) }),

    /** Test hook: acks wait `ms` (0: as soon as a burst ends). */
    slowAcks(ms: number): void {
      ackDelay = ms
    },
  }
}
