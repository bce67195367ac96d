/**
 * The Python in docs/django.md and README.md is code that runs: every block stands, to the
 * letter, in a file of the package, its tests, the quick start (examples/django) or the example
 * project (test/interop/django), each of which the test suite runs.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url).pathname
const read = (path: string) => readFileSync(join(root, path), 'utf8')

function pythonFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(join(root, path)).isDirectory()) return name === '__pycache__' ? [] : pythonFiles(path)
    return name.endsWith('.py') ? [path] : []
  })
}

const sources = ['python/authsocket_channels', 'python/tests', 'examples/django', 'test/interop/django/interop']
  .flatMap(pythonFiles)
  .map((path) => ({ path, text: read(path) }))
const blocks = (doc: string) =>
  [...read(doc).matchAll(/^( *)```python\n([\s\S]*?)^\1```/gm)].map((m) =>
    m[2]!.replace(new RegExp(`^${m[1]}`, 'gm'), ''),
  )

describe('the Python in the docs', () => {
  for (const doc of ['docs/django.md', 'README.md']) {
    it(`every block of ${doc} stands in a file the tests run`, () => {
      const found = blocks(doc)
      expect(found.length).toBeGreaterThan(0)
      for (const block of found)
        expect({
          block,
          in: sources
            .filter(({ text }) => text.includes(block))
            .map(({ path }) => path)
            .slice(0, 1).length,
        }).toEqual({ block, in: 1 })
    })
  }

  it('the quick start is under 30 lines of Python, not counting blank lines and comments', () => {
    const guide = read('docs/django.md')
    const quickStart = guide.slice(
      guide.indexOf('## Quick start'),
      guide.indexOf('\n## ', guide.indexOf('## Quick start') + 1),
    )
    const lines = [...quickStart.matchAll(/```python\n([\s\S]*?)```/g)]
      .flatMap((m) => m[1]!.split('\n'))
      .filter((line) => line.trim() && !line.trim().startsWith('#'))
    console.log(`the quick start: ${lines.length} lines of Python`)
    expect(lines.length).toBeLessThan(30)
  })
})
