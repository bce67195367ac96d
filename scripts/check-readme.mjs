// Checks the docs users read, so they cannot rot:
// - every ```ts block of README.md and docs/*.md type-checks against src/ (each block compiles as
//   its own module; test/readme/prelude.d.ts declares the app around them);
// - README.md links work on the npm page too: a relative link only to a file the package ships,
//   every other one absolute, into this repository (and the file must exist here).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'

const REPO =
  /^https:\/\/(?:github\.com\/authsocket\/authsocket\/blob\/main|raw\.githubusercontent\.com\/authsocket\/authsocket\/main)\/([^#?]+)/
const docs = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
]

const problems = []
const readme = readFileSync('README.md', 'utf8')
const packaged = new Set(['README.md', 'LICENSE', 'CHANGELOG.md'])
for (const [, target] of readme.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)) {
  if (target.startsWith('#') || packaged.has(target.split('#')[0])) continue
  const inRepo = REPO.exec(target)?.[1]
  if (inRepo && !existsSync(inRepo)) problems.push(`README.md links to ${target}, but ${inRepo} does not exist`)
  else if (!inRepo && !/^https?:\/\//.test(target))
    problems.push(
      `README.md links to ${target}, which the package does not ship: link it absolutely (github.com/authsocket/authsocket/blob/main/...)`,
    )
}

const out = '.readme-check'
rmSync(out, { recursive: true, force: true })
mkdirSync(out)
let count = 0
for (const doc of docs) {
  for (const [, code] of readFileSync(doc, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)) {
    count++
    writeFileSync(`${out}/${doc.replace(/\W+/g, '-')}-${String(count).padStart(2, '0')}.ts`, `${code}\nexport {}\n`)
  }
}
writeFileSync(
  `${out}/tsconfig.json`,
  JSON.stringify({
    extends: '../tsconfig.json',
    compilerOptions: {
      noEmit: true,
      noUnusedLocals: false,
      paths: { authsocket: ['../src/index.ts'], 'authsocket/react': ['../src/react.ts'] },
    },
    include: ['./*.ts', '../test/readme/prelude.d.ts'],
  }),
)
try {
  execFileSync('npx', ['tsc', '-p', `${out}/tsconfig.json`], { stdio: 'inherit' })
} catch {
  problems.push(
    `a TypeScript example does not type-check (files in ${out}/ are named after their document, numbered in order)`,
  )
}
if (problems.length) {
  console.error(problems.map((p) => `docs: ${p}`).join('\n'))
  process.exit(1)
}
console.log(`docs: ${count} TypeScript examples in ${docs.join(', ')} type-check; README links work on npm.`)
