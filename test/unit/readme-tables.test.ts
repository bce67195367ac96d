/**
 * The reference's options and events tables (docs/reference.md) cannot drift from the types: every option of
 * AuthSocketOptions (the base's, in options.ts, and each feature's, in its module) is a row with
 * its `@default`, every event of AuthSocketEvents is a row, and nothing else is; and each
 * `@default` of a base option is what resolveOptions applies. (The errors table has
 * test/unit/error-codes.test.ts.)
 */
import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { queryToken } from '../../src/index.js'
import { resolveOptions } from '../../src/options.js'

const readme = readFileSync('docs/reference.md', 'utf8')
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
    .split(/[\s,(]/)[0] ?? ''

/** Every property of the interface `name` in `file`, inherited ones included, with its `@default` tag if any. */
function properties(file: string, name: string): Map<string, string | undefined> {
  const program = ts.createProgram([file], { strict: true, noEmit: true })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(file)!
  const declaration = source.statements.find(
    (node): node is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(node) && node.name.text === name,
  )!
  const found = new Map<string, string | undefined>()
  for (const property of checker
    .getDeclaredTypeOfSymbol(checker.getSymbolAtLocation(declaration.name)!)
    .getProperties()) {
    const tag = property.getJsDocTags(checker).find((t) => t.name === 'default')
    found.set(property.name, tag ? ts.displayPartsToString(tag.text) : undefined)
  }
  return found
}

describe('the reference tables follow the types', () => {
  it("the options are the base options and each feature's, declared once", () => {
    const base = members('src/options.ts', 'BaseOptions')
    const features = [
      'src/heartbeat.ts:HeartbeatOptions',
      'src/delivery.ts:DeliveryOptions',
      'src/page.ts:PageLifecycleOptions',
      'src/shared-socket.ts:SharedSocketOptions',
      'src/persist.ts:PersistOptions',
    ].flatMap((at) => {
      const [file, name] = at.split(':') as [string, string]
      return [...members(file, name).keys()]
    })
    expect([...properties('src/options.ts', 'AuthSocketOptions').keys()].sort()).toEqual(
      [...base.keys(), ...features].sort(),
    )
  })

  it("each base option's @default is what resolveOptions applies", () => {
    const resolved = resolveOptions({ credentials: queryToken({ token: 't' }), WebSocket }) as unknown as Record<
      string,
      unknown
    >
    const literal = (text: string): unknown => {
      if (/\belse\b/.test(text)) return undefined // a default that depends on another option
      const word = head(text)
      if (/^\d[\d_]*$/.test(word)) return Number(word.replace(/_/g, ''))
      if (/^'[^']*'$/.test(word)) return word.slice(1, -1)
      if (word === 'true' || word === 'false') return word === 'true'
      if (word === '[]') return []
      if (word === 'Infinity') return Infinity
      return undefined // a default in words (fullJitter(), chanxStatus, JSON, on when the server...)
    }
    let checked = 0
    for (const [name, fallback] of members('src/options.ts', 'BaseOptions')) {
      const expected = fallback === undefined ? undefined : literal(fallback)
      if (expected === undefined) continue
      checked++
      expect(resolved[name], name).toEqual(expected)
    }
    expect(checked).toBeGreaterThan(12)
  })

  it('options: the same names, each with its @default', () => {
    const options = properties('src/options.ts', 'AuthSocketOptions')
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
