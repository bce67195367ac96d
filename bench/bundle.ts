/**
 * How bundle sizes are measured, for the bench's tables (bench/size.ts) and for the size budgets
 * `npm test` checks (scripts/size-budget.ts): the same bundler (Vite 8 / Rolldown, library mode,
 * minified, dependencies included), gzip level 9. An ESM entry that imports `authsocket` gets
 * what a browser bundler gets: the source with the `ws` paths left out (package.json's `browser`
 * condition points at that build).
 * @module
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build, type Plugin, type Rollup } from 'vite'

export interface Size {
  minBytes: number
  gzipBytes: number
}

export const gzipSize = (code: string | Uint8Array): number => gzipSync(code, { level: 9 }).length

const sizeOf = (code: string): Size => ({ minBytes: Buffer.byteLength(code), gzipBytes: gzipSize(code) })

/** A built file of dist/, without its source map comment. */
export function fileSize(path: string): Size {
  return sizeOf(readFileSync(path, 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/, ''))
}

interface Node {
  type: string
  start: number
  end: number
  value?: unknown
  quasis?: { value: { cooked: string | null } }[]
}

/**
 * A plugin that replaces every message-like literal of src/ (a string of 20+ characters with a
 * space, or a template whose text is over 30 characters with a space) by "x": what a bundle
 * would weigh with no error text at all. Walks the parsed module, so quotes and escapes inside
 * a message cannot confuse it.
 */
export function noMessages(): Plugin {
  return {
    name: 'no-messages',
    enforce: 'post',
    transform(code, id) {
      if (!id.includes('/src/')) return undefined
      const ranges: [number, number][] = []
      const visit = (node: unknown): void => {
        if (Array.isArray(node)) {
          node.forEach(visit)
          return
        }
        if (typeof node !== 'object' || node === null) return
        const n = node as Node
        if (n.type === 'Literal' && typeof n.value === 'string' && n.value.length >= 20 && n.value.includes(' '))
          ranges.push([n.start, n.end])
        else if (n.type === 'TemplateLiteral') {
          const text = (n.quasis ?? []).map((q) => q.value.cooked ?? '').join('')
          if (text.length > 30 && text.includes(' ')) {
            ranges.push([n.start, n.end])
            return
          }
        }
        for (const [key, value] of Object.entries(n)) if (key !== 'type') visit(value)
      }
      visit(this.parse(code))
      let out = code
      for (const [start, end] of ranges.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + "'x'" + out.slice(end)
      return out
    },
  }
}

/**
 * The minified bundle of `code` (an entry module), everything it imports included: ESM, or an
 * IIFE whose default export becomes the global `name`.
 */
async function bundle(code: string, format: { es: true } | { iife: string }, plugins: Plugin[] = []): Promise<string> {
  // Under bench/, so that the peers installed in bench/node_modules resolve.
  const root = resolve('bench')
  const dir = mkdtempSync(join(root, '.size-'))
  const file = join(dir, 'entry.js')
  writeFileSync(file, `${code}\n`)
  const lib = 'iife' in format ? { name: format.iife, formats: ['iife' as const] } : { formats: ['es' as const] }
  try {
    const output = (await build({
      configFile: false,
      logLevel: 'silent',
      root,
      define: { __AUTHSOCKET_BROWSER__: 'true' },
      resolve: { alias: { authsocket: resolve('src/index.ts') } },
      plugins,
      // Library mode leaves ES output's whitespace alone; minify it fully, as the IIFE is.
      build: {
        write: false,
        minify: true,
        lib: { entry: file, fileName: 'out', ...lib },
        rolldownOptions: { external: [], output: { minify: true } },
      },
    })) as Rollup.RollupOutput[]
    return output[0]!.output.find((o): o is Rollup.OutputChunk => o.type === 'chunk')!.code
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The minified ESM bundle of `code` (an entry module), everything it imports included; with
 * `messages: false`, every error message replaced (see {@link noMessages}).
 */
export async function esmSize(code: string, { messages = true } = {}): Promise<Size> {
  return sizeOf(await bundle(code, { es: true }, messages ? [] : [noMessages()]))
}

/**
 * The minified IIFE of `code` (an entry module whose default export becomes the global `name`),
 * everything it imports included: for a Chromium bench that needs what the CDN file leaves out
 * (the opt-in features).
 */
export function iifeBundle(code: string, name: string): Promise<string> {
  return bundle(code, { iife: name })
}
