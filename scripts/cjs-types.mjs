// CommonJS consumers need declarations that TypeScript reads as CommonJS: copy the ESM
// declaration tree to .d.cts files, with relative imports pointing at .cjs.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

const from = 'dist/types'
const to = 'dist/types-cjs'
function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) walk(path)
    else if (entry.name.endsWith('.d.ts')) {
      const target = join(to, relative(from, path)).replace(/\.d\.ts$/, '.d.cts')
      mkdirSync(dirname(target), { recursive: true })
      writeFileSync(target, readFileSync(path, 'utf8').replace(/(from\s+['"]\.{1,2}\/[^'"]+)\.js(['"])/g, '$1.cjs$2'))
    }
  }
}
walk(from)
