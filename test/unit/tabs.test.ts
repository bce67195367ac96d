/**
 * `sharedAcrossTabs` where there are no tabs to share with (issue 13): Node 20 has
 * BroadcastChannel but no Web Locks, so the wrapper hands the source back and each page
 * single-flights its own asks, with no error. The sharing itself is tested in Chromium
 * (test/e2e/tabs.spec.ts).
 */
import { describe, expect, it } from 'vitest'
import { sharedAcrossTabs } from '../../src/index.js'

describe('sharedAcrossTabs without Web Locks', () => {
  it('returns the source itself: a function, or a fixed token', () => {
    expect((globalThis as { navigator?: { locks?: unknown } }).navigator?.locks).toBeUndefined()
    const source = async () => 'token'
    expect(sharedAcrossTabs(source)).toBe(source)
    expect(sharedAcrossTabs('fixed')).toBe('fixed')
  })
})
