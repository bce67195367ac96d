/**
 * Django Channels past one process, for the scale-out tests: one Redis, three daphne workers of
 * the interop app on it (`INTEROP_REDIS`: django-redis for the cache, channels_redis for the
 * channel layer), and HAProxy in front (round robin, no sticky sessions, health checks). All
 * Debian packages (redis-server, python3-channels-redis, python3-django-redis, haproxy), all on
 * 127.0.0.1, started and stopped by the tests.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './daphne.js'

const here = dirname(fileURLToPath(import.meta.url))
const PYTHON = '/usr/bin/python3'
// The example project runs the package from this repository's python/ folder.
const PYTHONPATH = join(here, '..', '..', '..', 'python')

export interface Endpoint {
  http: string
  ws: string
  origin: string
}

export interface Worker extends Endpoint {
  name: string
  /** SIGKILL: what a crashed or OOM-killed worker looks like to its clients. */
  kill(): Promise<void>
  /** Starts it again on the same port. */
  start(): Promise<void>
  /** SIGSTOP: a worker that hangs (a blocked event loop, a stalled VM); its sockets stay open. */
  freeze(): void
  /** SIGCONT: it runs again, with everything that waited for it. */
  thaw(): void
}

export interface Cluster {
  /** HAProxy's address: what clients use. */
  lb: Endpoint
  workers: Worker[]
  redis: { url: string; restart(): Promise<void> }
  /**
   * HAProxy's counters for the WebSocket upgrades (`/ws/`): attempts in all, their peak per second, the workers it
   * holds UP.
   */
  balancer(): Promise<{ sessions: number; peakRate: number; up: string[] }>
  /** Zeroes HAProxy's counters (the peak rate too). */
  clearCounters(): Promise<void>
  stop(): Promise<void>
}

const endpoint = (port: number): Endpoint => ({
  http: `http://127.0.0.1:${port}`,
  ws: `ws://127.0.0.1:${port}`,
  origin: `http://127.0.0.1:${port}`,
})

/** Spawns `command` and waits until `ready()` says so (or it exits, or 60 s pass). */
async function launch(
  what: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: () => Promise<boolean>,
): Promise<ChildProcess> {
  const child = spawn(command, args, {
    cwd: here,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)))
  const deadline = Date.now() + 60_000
  while (!(await ready().catch(() => false))) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): ${stderr}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${what} was not ready within 60 s: ${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return child
}

const exited = (child: ChildProcess | undefined, signal: NodeJS.Signals) =>
  new Promise<void>((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill(signal)
  })

async function answers(url: string): Promise<boolean> {
  return (await fetch(url)).ok
}

async function redisPings(port: number): Promise<boolean> {
  return (
    execFileSync('redis-cli', ['-p', String(port), 'ping'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim() === 'PONG'
  )
}

export async function startCluster(count = 3): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'authsocket-cluster-'))
  const children = new Set<ChildProcess>()
  const track = (child: ChildProcess) => {
    children.add(child)
    child.once('exit', () => children.delete(child))
    return child
  }

  try {
    const redisPort = await freePort()
    const redisUrl = `redis://127.0.0.1:${redisPort}/0`
    // Every write on disk before it is answered (AOF, fsync always): a restarted Redis still has the tickets, sessions
    // and room logs.
    const redisArgs = [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      dir,
    ]
    const startRedis = async () =>
      track(await launch('redis-server', 'redis-server', redisArgs, {}, () => redisPings(redisPort)))
    let redis = await startRedis()

    // One database for every worker, migrated and seeded once (alice/alice, bob/bob).
    const env = { INTEROP_DB: join(dir, 'interop.sqlite3'), INTEROP_REDIS: redisUrl, PYTHONPATH }
    for (const args of [
      ['manage.py', 'migrate', '--noinput', '-v', '0'],
      ['manage.py', 'seed'],
    ])
      execFileSync(PYTHON, args, { cwd: here, env: { ...process.env, ...env }, stdio: 'ignore' })

    const workers: Worker[] = []
    for (let i = 1; i <= count; i++) {
      const name = `w${i}`
      const port = await freePort()
      let child: ChildProcess | undefined
      const start = async () => {
        child = track(
          await launch(
            `daphne ${name}`,
            PYTHON,
            ['-m', 'daphne', '-b', '127.0.0.1', '-p', String(port), 'interop.asgi:application'],
            { ...env, INTEROP_WORKER: name },
            () => answers(`http://127.0.0.1:${port}/health`),
          ),
        )
      }
      await start()
      workers.push({
        name,
        ...endpoint(port),
        start,
        kill: () => exited(child, 'SIGKILL'),
        freeze: () => {
          child?.kill('SIGSTOP')
        },
        thaw: () => {
          child?.kill('SIGCONT')
        },
      })
    }

    const lbPort = await freePort()
    const statsPort = await freePort()
    const config = join(dir, 'haproxy.cfg')
    writeFileSync(
      config,
      `global
  maxconn 4000
  stats socket ${join(dir, 'haproxy.sock')} level admin
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  # After the upgrade a WebSocket is a tunnel: this must outlast the heartbeat's interval.
  timeout tunnel 1h
  # A connection to a dead worker is retried on another at once instead of waiting and failing.
  option redispatch
  retries 3
frontend clients
  bind 127.0.0.1:${lbPort}
  # Two backends on the same workers, so the upgrades are counted apart from the ticket fetches.
  use_backend sockets if { path_beg /ws/ }
  default_backend http
${['sockets', 'http']
  .map(
    (name) => `backend ${name}
  balance roundrobin
  option httpchk
  http-check send meth GET uri /health ver HTTP/1.1 hdr Host 127.0.0.1
  default-server inter 500 fall 2 rise 2
${workers.map((w) => `  server ${w.name} ${new URL(w.http).host} check`).join('\n')}`,
  )
  .join('\n')}
listen stats
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /stats
`,
    )
    track(
      await launch('haproxy', 'haproxy', ['-db', '-f', config], {}, () => answers(`http://127.0.0.1:${lbPort}/health`)),
    )

    const cluster: Cluster = {
      lb: endpoint(lbPort),
      workers,
      redis: {
        url: redisUrl,
        async restart() {
          await exited(redis, 'SIGKILL')
          redis = await startRedis()
        },
      },
      async balancer() {
        const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text()
        const [head, ...rows] = csv.trim().split('\n')
        const names = head!.replace(/^# /, '').split(',')
        const read = (row: string) => Object.fromEntries(row.split(',').map((value, i) => [names[i], value]))
        const all = rows.map(read).filter((r) => r.pxname === 'sockets')
        const backend = all.find((r) => r.svname === 'BACKEND')!
        return {
          sessions: Number(backend.stot),
          peakRate: Number(backend.rate_max),
          up: all.filter((r) => r.svname !== 'BACKEND' && r.status === 'UP').map((r) => r.svname!),
        }
      },
      clearCounters: () =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(join(dir, 'haproxy.sock'), () => socket.end('clear counters\n'))
          socket
            .on('error', reject)
            .on('close', () => resolve())
            .resume()
        }),
      async stop() {
        for (const child of children) child.kill('SIGCONT') // a frozen worker acts on SIGTERM only once it runs
        await Promise.all([...children].map((child) => exited(child, 'SIGTERM')))
        rmSync(dir, { recursive: true, force: true })
      },
    }
    // Ready when HAProxy's health checks have every worker UP.
    while ((await cluster.balancer()).up.length < count) await new Promise((resolve) => setTimeout(resolve, 100))
    return cluster
  } catch (error) {
    // A part that would not start: stop the ones that did, so no Redis or daphne outlives the test.
    await Promise.all([...children].map((child) => exited(child, 'SIGKILL')))
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}
