/**
 * The README's options and events tables cannot drift from the types: every option of
 * AuthSocketOptions is a row with its `@default`, every event of AuthSocketEvents is a row, and
 * nothing else is. (The errors table has test/unit/error-codes.test.ts.)
 */
import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const readme = readFileSync('README.md', 'utf8')
const rows = (from: string, to: string) => {
  const table = readme.slice(readme.indexOf(from), readme.indexOf(to, readme.indexOf(from)))
  return new Map([...table.matchAll(/^\| `(\w+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]))
}

/** Members of an interface or type literal in `file`, with their `@default` tag if any. */
function members(file: string, name: string): Map<string, string | undefined> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const found = new Map<string, string | undefined>()
  source.forEachChild(function visit(node) {
    const list =
      ts.isInterfaceDeclaration(node) && node.name.text === name
        ? node.members
        : ts.isTypeAliasDeclaration(node) && node.name.text === name && ts.isTypeLiteralNode(node.type)
          ? node.type.members
          : undefined
    for (const member of list ?? []) {
      const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === 'default')
      found.set((member.name as ts.Identifier).text, tag ? ts.getTextOfJSDocComment(tag.comment) : undefined)
    }
  })
  return found
}

/** The first word of a default, however it is written: `10000` ms, 'frame', fullJitter(): ... */
const head = (text: string) =>
  text
    .replace(/[`]/g, '')
    .trim()
    .split(/[\s,(]/)[0]

describe('README tables follow the types', () => {
  it('options: the same names, each with its @default', () => {
    const options = members('src/options.ts', 'AuthSocketOptions')
    const table = rows('## Options', '## Connection states')
    expect([...table.keys()].sort()).toEqual([...options.keys()].sort())
    for (const [name, fallback] of options) {
      const shown = table.get(name)!
      if (fallback === undefined) expect(shown, name).toMatch(/^(none|\(required\))$/)
      else expect(head(shown), name).toBe(head(fallback))
    }
  })

  it('events: the same names', () => {
    const events = members('src/events.ts', 'AuthSocketEvents')
    expect([...rows('## Events', '## Errors').keys()].sort()).toEqual([...events.keys()].sort())
  })
})
