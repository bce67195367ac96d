/**
 * The numbered outbox (numbered-outbox.ts) on its own: what it tells of an acknowledgement is
 * what it let go of, whatever the server claims.
 */
import { describe, expect, it } from 'vitest'
import { NumberedOutbox } from '../../src/numbered-outbox.js'

/** A socket that takes `room` frames, then is no longer writable. */
const socket = (room: number) => {
  const written: unknown[] = []
  return { written, send: (data: unknown) => written.length < room && written.push(data) > 0 }
}

describe('NumberedOutbox', () => {
  it('an ack for a number never written (a lying or confused server) lets go of the written ones only, and says so', () => {
    const outbox = new NumberedOutbox(100)
    const done: number[] = []
    const acked: number[] = []
    outbox.onDone = (seq) => done.push(seq)
    outbox.keeper = { keptUpTo: Infinity, kept: () => undefined, acked: (seq) => acked.push(seq), unacknowledged() {} }
    for (const n of [1, 2, 3, 4]) outbox.push(JSON.stringify({ n }))
    const wire = socket(2)
    outbox.flush({ id: 1, acks: true, send: wire.send, session: undefined })
    expect(wire.written).toHaveLength(2)
    outbox.ack(1_000_000)
    expect(outbox.size).toBe(2) // 3 and 4 were never written: they stay
    expect(done).toEqual([2])
    expect(acked).toEqual([2])
  })

  it('restore: the kept messages first under their numbers, then those pushed meanwhile numbered after the last kept', () => {
    const outbox = new NumberedOutbox(100)
    outbox.push('"mine"')
    outbox.push(new Uint8Array([1]))
    outbox.restore(
      [
        { seq: 7, data: '"a"' },
        { seq: 8, data: '"b"' },
      ],
      9,
    )
    expect(outbox.numbered()).toEqual([
      { seq: 7, data: '"a"' },
      { seq: 8, data: '"b"' },
      { seq: 10, data: '"mine"' },
    ])
    expect(outbox.size).toBe(4)
    expect(outbox.lastSeq).toBe(10)
  })
})
