/**
 * Chromium driven over a raw DevTools connection, for what Playwright cannot do: Playwright
 * makes every page act focused and visible, so a CDP freeze through it freezes nothing. Started
 * by hand with `--headless=new --remote-debugging-port=0`, `Page.setWebLifecycleState` does
 * freeze a page (and leaves it hidden after `active`), and a hidden page's timers get throttled.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
// @ts-expect-error -- a plain .mjs helper shared with the npm scripts
import { findChromium } from '../../scripts/chromium.mjs'

export interface RawPage {
  /**
   * Evaluates `expression` (a string: the page has no bundler helpers), awaiting a promise; fails on a thrown error.
   */
  evaluate<T = unknown>(expression: string): Promise<T>
  /** `frozen` or `active`, as the browser's own page freezing does it. */
  lifecycle(state: 'frozen' | 'active'): Promise<void>
  /** Closes the browser (for a page from {@link rawChromium}) or only this page (from {@link RawBrowser.open}). */
  close(): Promise<void>
}

/** One raw Chromium: its pages share one profile, so one origin's pages share Web Locks and BroadcastChannels. */
export interface RawBrowser {
  /** A new page at `url`, once the SDK bundle has loaded in it. */
  open(url: string): Promise<RawPage>
  close(): Promise<void>
}

/** A raw Chromium with one page at `url`; closing the page closes the browser. */
export async function rawChromium(url: string, features: string[] = []): Promise<RawPage> {
  const browser = await rawBrowser(features)
  const page = await browser.open(url)
  return { ...page, close: browser.close }
}

export async function rawBrowser(features: string[] = []): Promise<RawBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'authsocket-cdp-'))
  const args = [
    '--headless=new',
    '--remote-debugging-port=0',
    `--user-data-dir=${profile}`,
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
    '--disable-gpu',
  ]
  if (process.getuid?.() === 0) args.push('--no-sandbox')
  if (features.length) args.push(`--enable-features=${features.join(',')}`)
  // Its own process group: /usr/bin/chromium is a wrapper script, and the browser's processes are its children.
  const chrome = spawn((findChromium as () => string | undefined)() ?? 'chromium', [...args, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  })
  const endpoint = await new Promise<string>((resolve, reject) => {
    let text = ''
    chrome.stderr.on('data', (chunk) => {
      text += String(chunk)
      const found = /DevTools listening on (ws:\S+)/.exec(text)
      if (found) resolve(found[1]!)
    })
    chrome.once('exit', (code) =>
      reject(new Error(`Chromium exited (${code}) before DevTools listened: ${text.slice(-500)}`)),
    )
  })
  const cdp = new WebSocket(endpoint)
  await new Promise((resolve, reject) => cdp.once('open', resolve).once('error', reject))
  let ids = 0
  const pending = new Map<number, (reply: { result?: Record<string, any>; error?: { message: string } }) => void>()
  cdp.on('message', (data) => {
    const reply = JSON.parse(String(data))
    pending.get(reply.id)?.(reply)
    pending.delete(reply.id)
  })
  const send = (method: string, params: object = {}, sessionId?: string) =>
    new Promise<Record<string, any>>((resolve, reject) => {
      const id = ++ids
      pending.set(id, (reply) =>
        reply.error ? reject(new Error(`${method}: ${reply.error.message}`)) : resolve(reply.result ?? {}),
      )
      cdp.send(JSON.stringify({ id, method, params, sessionId }))
    })
  const open = async (url: string): Promise<RawPage> => {
    const { targetId } = await send('Target.createTarget', { url })
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true })
    const evaluate = async <T>(expression: string): Promise<T> => {
      const { result, exceptionDetails } = await send(
        'Runtime.evaluate',
        { expression, awaitPromise: true, returnByValue: true },
        sessionId,
      )
      if (exceptionDetails)
        throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`)
      return result?.value as T
    }
    for (
      let i = 0;
      i < 100 &&
      !(await evaluate<boolean>(`document.readyState === 'complete' && 'AuthSocket' in window`).catch(() => false));
      i++
    )
      await new Promise((resolve) => setTimeout(resolve, 100))
    return {
      evaluate,
      lifecycle: async (state) => void (await send('Page.setWebLifecycleState', { state }, sessionId)),
      close: async () => void (await send('Target.closeTarget', { targetId })),
    }
  }
  return {
    open,
    close: async () => {
      cdp.close()
      const exited = new Promise((resolve) =>
        chrome.exitCode !== null ? resolve(undefined) : chrome.once('exit', resolve),
      )
      process.kill(-chrome.pid!, 'SIGKILL')
      await exited
      // A renderer can still be writing the profile for a moment after the group is killed.
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
    },
  }
}
