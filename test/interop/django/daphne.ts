/** Starts the interop Django Channels app under daphne on a free 127.0.0.1 port, for one test file. */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll } from 'vitest'

const here = dirname(fileURLToPath(import.meta.url))

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface Daphne {
  http: string
  ws: string
  origin: string
  /** What the server wrote so far, stdout (daphne's access log) and stderr (tracebacks, Django's log). */
  log(): string
  stop(): Promise<void>
}

/**
 * On `port` when given (a restart on the same address), else on a free one. `script` serves the
 * project: serve.sh the example project, serve-quickstart.sh the guide's quick start.
 */
export async function startDaphne(port?: number, script = 'serve.sh'): Promise<Daphne> {
  port ??= await freePort()
  const child: ChildProcess = spawn('bash', [join(here, script), String(port)], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  let output = ''
  const keep = (chunk: Buffer) => (output = (output + chunk).slice(-4_000_000))
  child.stdout!.on('data', keep)
  child.stderr!.on('data', (chunk) => {
    stderr += chunk
    keep(chunk)
  })
  const http = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `daphne exited (${child.exitCode}). Is Django Channels installed for /usr/bin/python3? Run ` +
          `node scripts/django.mjs --ensure.\n${stderr.slice(-2000)}`,
      )
    }
    try {
      await fetch(`${http}/health`) // any HTTP answer (the quick start has no /health: a 404) means it is up
      break
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`daphne did not answer on ${http} within 60 s\n${stderr.slice(-2000)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return {
    http,
    ws: `ws://127.0.0.1:${port}`,
    origin: http,
    log: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

/**
 * Daphne for one test file: started before its tests, stopped after them. The object reads
 * the running server; `restart()` stops it and starts it again on the same port.
 */
export function daphneForFile(script = 'serve.sh'): Daphne & { restart(): Promise<void> } {
  let current: Daphne | undefined
  const now = () => {
    if (!current) throw new Error('daphne is not up yet: use it inside a test')
    return current
  }
  beforeAll(async () => {
    current = await startDaphne(undefined, script)
  }, 90_000)
  afterAll(() => current?.stop())
  return {
    get http() {
      return now().http
    },
    get ws() {
      return now().ws
    },
    get origin() {
      return now().origin
    },
    log: () => now().log(),
    stop: () => now().stop(),
    async restart() {
      const port = Number(new URL(now().http).port)
      await now().stop()
      current = await startDaphne(port, script)
    },
  }
}

/** POSTs JSON (or a form body) and returns the parsed answer and the Set-Cookie header. */
export async function post(url: string, body: Record<string, unknown>, form = false) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
  })
  return {
    status: response.status,
    json: (await response.json()) as Record<string, any>,
    cookies: response.headers.getSetCookie(),
  }
}
