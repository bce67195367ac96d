/**
 * The error table of docs/reference.md is the list of codes the client raises: every code in it is
 * constructed somewhere in src/ and asserted by a test, and every code src/ raises is in it.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  )
const read = (dir: string) =>
  files(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n')

describe('error codes', () => {
  const union = [...readFileSync('src/errors.ts', 'utf8').matchAll(/^\s+\| '([A-Z_]+)'/gm)].map((m) => m[1]!)
  const readme = readFileSync('docs/reference.md', 'utf8')
  const table = readme.slice(readme.indexOf('## Errors'), readme.indexOf('## Close codes'))
  const documented = [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!)
  const src = read('src').replace(/^export type AuthSocketErrorCode[\s\S]*?\n\n/m, '')
  // A code is raised where it is constructed: new AuthSocketError('X', ...), new AuthRejectedError('X', ...), or a
  // subclass fixing it.
  const raised = new Set([...src.matchAll(/(?:Error|invalid)\(\s*'([A-Z_]+)'/g)].map((m) => m[1]!))
  if (src.includes('new CredentialRejectedError(') || /super\('CREDENTIAL_REJECTED'/.test(src))
    raised.add('CREDENTIAL_REJECTED')
  if (/\binvalid\(/.test(src)) raised.add('INVALID_OPTIONS')
  /** Codes that only ever travel as the `cause` of another error. */
  const causeOnly = ['UNAUTHORIZED']

  it('the table lists exactly the codes the client raises, and nothing only ever seen as a cause', () => {
    expect([...documented].sort()).toEqual(union.filter((code) => !causeOnly.includes(code)).sort())
    for (const code of documented)
      expect(raised, `${code} is in the reference's table but nothing in src/ raises it`).toContain(code)
    for (const code of raised)
      expect([...documented, ...causeOnly], `src/ raises ${code} but the reference's table lacks it`).toContain(code)
    expect(table).toMatch(/`cause` is an `AuthRejectedError` with code `UNAUTHORIZED`/)
  })

  it('every documented code is asserted by some test', () => {
    const tests = read('test')
    for (const code of documented) expect(tests.includes(`'${code}'`), `no test mentions '${code}'`).toBe(true)
  })
})
