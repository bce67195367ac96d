/** Shared helpers for the benches: statistics, child servers, tables. */
import { spawn, type ChildProcess } from 'node:child_process'

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits))

/** A child process that prints `listening <port>` (or a URL) once ready. */
export async function startChild(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  ready = /listening (\d+)|http:\/\/127\.0\.0\.1:(\d+)/,
): Promise<{ port: number; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk) => {
      out += chunk
      const match = ready.exec(out)
      if (match) resolve(Number(match[1] ?? match[2]))
    })
    child.once('exit', (code) =>
      reject(new Error(`${command} ${args.join(' ')} exited with ${code} before it was ready:\n${out}`)),
    )
  })
  child.stdout!.resume()
  return {
    port,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      }),
  }
}

export interface Row {
  [column: string]: string | number
}

export function table(title: string, rows: Row[]): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))]
  const lines = [`### ${title}`, '', `| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`]
  for (const row of rows) lines.push(`| ${columns.map((c) => String(row[c] ?? '')).join(' | ')} |`)
  return lines.join('\n')
}

export const verdict = (met: boolean): string => (met ? 'met' : '**not met**')

/** Milliseconds and CPU milliseconds (user + system) spent in `fn`. */
export async function measure(fn: () => Promise<void>): Promise<{ ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage()
  const start = performance.now()
  await fn()
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { ms, cpuMs: (used.user + used.system) / 1000 }
}

/** Chromium for a bench: Playwright's, at `executablePath`, quiet (no background fetches, no first-run pages). */
export async function launchChromium(executablePath: string): Promise<import('@playwright/test').Browser> {
  const { chromium } = await import('@playwright/test')
  return chromium.launch({
    executablePath,
    args: ['--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
}
