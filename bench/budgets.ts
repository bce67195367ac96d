/**
 * The size budgets (issue 24), in one place: `npm test` fails a bundle over its ceiling
 * (scripts/size-budget.ts) and `npm run bench` writes every row to BENCHMARKS.md. A ceiling is
 * the size when it was last lowered plus a little headroom, never above it; the target is where
 * the issue wants it. When a bundle meets its target, its ceiling becomes the target.
 * @module
 */
import { esmSize, fileSize, type Size } from './bundle.js'

export interface Budget {
  bundle: string
  /** An ESM entry importing `authsocket`, or a built file of dist/. */
  entry: { esm: string } | { file: string }
  /** Bytes gzip: over it, `npm test` fails. */
  ceiling: number
  /** Bytes gzip the issue asks for, and how (`<=` at most, `<` smaller than). */
  target: { bytes: number; rule: '<=' | '<'; why: string }
}

export const BUDGETS: readonly Budget[] = [
  {
    bundle: 'base client + queryToken (ESM)',
    entry: { esm: "export { BaseAuthSocket, queryToken } from 'authsocket'" },
    ceiling: 15_500,
    target: { bytes: 12_000, rule: '<=', why: 'issue 24' },
  },
  {
    bundle: 'base CDN file (dist/authsocket-base.iife.min.js: the base client and every provider)',
    entry: { file: 'dist/authsocket-base.iife.min.js' },
    ceiling: 16_300,
    target: { bytes: 12_780, rule: '<', why: "socket.io-client's 12.78 kB" },
  },
  {
    bundle: 'full CDN file (dist/authsocket.iife.min.js: AuthSocket, every feature and provider)',
    entry: { file: 'dist/authsocket.iife.min.js' },
    ceiling: 21_800,
    target: { bytes: 18_000, rule: '<=', why: 'issue 24' },
  },
]

/** Each feature's cost: base client + queryToken + the feature, against the base client + queryToken. */
export const FEATURE_ENTRIES: readonly { feature: string; esm: string }[] = [
  { feature: 'Heartbeat', esm: "export { BaseAuthSocket, queryToken, Heartbeat } from 'authsocket'" },
  { feature: 'Delivery (acks, resume)', esm: "export { BaseAuthSocket, queryToken, Delivery } from 'authsocket'" },
  { feature: 'PageLifecycle', esm: "export { BaseAuthSocket, queryToken, PageLifecycle } from 'authsocket'" },
  { feature: 'SharedSocket', esm: "export { BaseAuthSocket, queryToken, SharedSocket } from 'authsocket'" },
  {
    feature: 'PersistentOutbox (with Delivery, which it needs)',
    esm: "export { BaseAuthSocket, queryToken, Delivery, PersistentOutbox } from 'authsocket'",
  },
  { feature: 'all four (AuthSocket + queryToken)', esm: "export { AuthSocket, queryToken } from 'authsocket'" },
]

export const measure = (budget: Budget): Promise<Size> =>
  'esm' in budget.entry ? esmSize(budget.entry.esm) : Promise.resolve(fileSize(budget.entry.file))

export const meets = (bytes: number, target: Budget['target']): boolean =>
  target.rule === '<=' ? bytes <= target.bytes : bytes < target.bytes
