/**
 * Web Locks for Node tests, which have none: exclusive locks granted in request order, released
 * when the callback's promise settles; a `signal` drops a queued request; `query()` lists what is
 * held and pending. Node's own BroadcastChannel is real: with these, several AuthSockets in one
 * process act as the tabs of one browser. The browser's own are used in test/e2e.
 */
interface Request {
  readonly name: string
  readonly grant: () => void
}

export function installLocks(): () => void {
  const held = new Map<string, Request>()
  const pending: Request[] = []
  const next = (name: string) => {
    const index = pending.findIndex((r) => r.name === name)
    if (index >= 0 && !held.has(name)) pending.splice(index, 1)[0]!.grant()
  }
  const locks = {
    request<T>(
      name: string,
      options: { signal?: AbortSignal },
      callback: (lock: { name: string }) => Promise<T>,
    ): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const request: Request = {
          name,
          grant: () => {
            options.signal?.removeEventListener('abort', drop)
            held.set(name, request)
            void (async () => callback({ name }))()
              .then(resolve, reject)
              .finally(() => {
                held.delete(name)
                next(name)
              })
          },
        }
        const drop = () => {
          const index = pending.indexOf(request)
          if (index < 0) return
          pending.splice(index, 1)
          reject(new DOMException('The request was aborted.', 'AbortError'))
        }
        if (options.signal?.aborted) return reject(new DOMException('The request was aborted.', 'AbortError'))
        options.signal?.addEventListener('abort', drop, { once: true })
        pending.push(request)
        next(name)
      })
    },
    query: async () => ({
      held: [...held.keys()].map((name) => ({ name })),
      pending: pending.map(({ name }) => ({ name })),
    }),
  }
  const global = globalThis as { navigator?: unknown }
  const before = Object.getOwnPropertyDescriptor(global, 'navigator')
  Object.defineProperty(global, 'navigator', { value: { locks }, configurable: true })
  return () => {
    if (before) Object.defineProperty(global, 'navigator', before)
    else delete global.navigator
  }
}
