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
import { build, type Rollup } from 'vite'

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

/** The minified ESM bundle of `code` (an entry module), everything it imports included. */
export async function esmSize(code: string): Promise<Size> {
  // Under bench/, so that the peers installed in bench/node_modules resolve.
  const root = resolve('bench')
  const dir = mkdtempSync(join(root, '.size-'))
  const file = join(dir, 'entry.js')
  writeFileSync(file, `${code}\n`)
  try {
    const output = (await build({
      configFile: false,
      logLevel: 'silent',
      root,
      define: { __AUTHSOCKET_BROWSER__: 'true' },
      resolve: { alias: { authsocket: resolve('src/index.ts') } },
      // Library mode leaves ES output's whitespace alone; minify it fully, as the IIFE is.
      build: {
        write: false,
        minify: true,
        lib: { entry: file, formats: ['es'], fileName: 'out' },
        rolldownOptions: { external: [], output: { minify: true } },
      },
    })) as Rollup.RollupOutput[]
    const chunk = output[0]!.output.find((o): o is Rollup.OutputChunk => o.type === 'chunk')!
    return sizeOf(chunk.code)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
