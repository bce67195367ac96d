// Type-checks every ```ts block of README.md against src/, so the examples cannot rot.
// Each block compiles as its own module; test/readme/prelude.d.ts declares the app around them.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'

const out = '.readme-check'
rmSync(out, { recursive: true, force: true })
mkdirSync(out)
const blocks = [...readFileSync('README.md', 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])
blocks.forEach((code, i) => writeFileSync(`${out}/block-${String(i + 1).padStart(2, '0')}.ts`, `${code}\nexport {}\n`))
writeFileSync(
  `${out}/tsconfig.json`,
  JSON.stringify({
    extends: '../tsconfig.json',
    compilerOptions: { noEmit: true, noUnusedLocals: false, paths: { authsocket: ['../src/index.ts'], 'authsocket/react': ['../src/react.ts'] } },
    include: ['./*.ts', '../test/readme/prelude.d.ts'],
  }),
)
try {
  execFileSync('npx', ['tsc', '-p', `${out}/tsconfig.json`], { stdio: 'inherit' })
  console.log(`README: ${blocks.length} TypeScript examples type-check.`)
} catch {
  console.error(`README: an example does not type-check (files in ${out}/ are numbered in README order).`)
  process.exit(1)
}
