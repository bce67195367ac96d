import type { AuthSocket, AuthSocketEvents } from '../../src/index.js'

/** Resolves with the next `type` event matching `match`; rejects after `ms`. */
export function nextEvent<In, K extends keyof AuthSocketEvents<In>>(
  socket: AuthSocket<In, never> | AuthSocket<In, unknown> | AuthSocket<In, any>,
  type: K,
  match: (payload: AuthSocketEvents<In>[K]) => boolean = () => true,
  ms = 5000,
): Promise<AuthSocketEvents<In>[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no '${String(type)}' event within ${ms} ms (state ${socket.state})`))
    }, ms)
    const off = socket.on(type, (payload) => {
      if (!match(payload)) return
      clearTimeout(timer)
      off()
      resolve(payload)
    })
  })
}

/** Records every event of the given types, in order, as `type` or `type:detail`. */
export function timeline(socket: AuthSocket<any, any>, types: (keyof AuthSocketEvents<unknown>)[]): string[] {
  const log: string[] = []
  for (const type of types) {
    socket.on(type, (payload: any) => {
      if (type === 'state') log.push(`state:${payload.state}`)
      else if (type === 'error') log.push(`error:${payload.code}`)
      else if (type === 'close') log.push(`close:${payload.code}`)
      else log.push(String(type))
    })
  }
  return log
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `check` until it is true; rejects after `ms`. */
export async function until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await delay(10)
  }
}

/** Fast retries for tests: the delay policy is a plain function. */
export const fastRetry = () => 20
