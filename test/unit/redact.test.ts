import { describe, expect, it } from 'vitest'
import { redactUrl } from '../../src/index.js'
import { exposed, leaks } from '../helpers/leak-check.js'

describe('redaction', () => {
  it('hides credential parameters and userinfo, keeps the rest', () => {
    expect(redactUrl('wss://u:p@h.test/ws/?room=1&token=abc&Ticket=def&x=2')).toBe(
      'wss://REDACTED@h.test/ws/?room=1&token=REDACTED&Ticket=REDACTED&x=2',
    )
    expect(redactUrl('wss://h.test/?sid=abc', ['sid'])).toBe('wss://h.test/?sid=REDACTED')
    expect(redactUrl('not a url token=abc')).toBe('[unparseable URL]')
  })

  it('the leak check finds a token anywhere a user could see it (so it can fail)', () => {
    const token = 'tok-123'
    const nested = new Error('outer', { cause: new Error(`inner ${token}`) })
    expect(leaks([exposed({ url: `wss://h/?token=${token}` })], [token])).toEqual([token])
    expect(leaks([exposed(nested)], [token])).toEqual([token])
    expect(leaks([exposed({ a: { b: [token] } })], [token])).toEqual([token])
    expect(leaks([exposed({ url: 'wss://h/?token=REDACTED' })], [token])).toEqual([])
  })
})
